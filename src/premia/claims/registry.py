"""The essay's eight claims (DESIGN §2) as comparisons on model output.

Each claim names a shipped scenario, the variants it compares (overrides of that scenario;
the first variant is the baseline) and one or more criteria. A criterion computes a
per-seed effect from the variants' results and states on which side of a threshold the
essay says it lies. Nothing here feeds back into the model: a claim may fail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from premia.claims import measures as ms
from premia.claims.sawtooth import cycles
from premia.results import Results

Runs = dict[str, Results]


@dataclass(frozen=True)
class Scale:
    """An override that multiplies the scenario's own value (e.g. ``Scale(1.2)``)."""

    factor: float


@dataclass(frozen=True)
class Criterion:
    """One measured comparison: ``effect(runs) direction threshold``."""

    name: str
    description: str
    effect: Callable[[Runs], float]
    direction: Literal[">", "<"] = ">"
    threshold: float = 0.0


@dataclass(frozen=True)
class Claim:
    """One of the essay's claims, as a runnable check."""

    id: str
    title_en: str
    title_zh: str
    quote_zh: str
    summary_en: str
    summary_zh: str
    scenario: str
    variants: dict[str, dict[str, Any]]
    criteria: list[Criterion] = field(default_factory=list)

    @property
    def metric(self) -> str:
        """What the first criterion measures."""
        return self.criteria[0].description

    def runs(self, seed: int, overrides: dict[str, Any] | None = None,
             periods: int | None = None) -> Runs:
        """Run every variant once with ``seed``; returns ``{variant: Results}``."""
        from premia.claims.runner import run_variant

        return {name: run_variant(self, name, seed, overrides, periods)
                for name in self.variants}


def _tech_cycles(res: Results) -> float:
    return float(cycles(ms.category_series(res, "phones", "max_markup")))


def _quarter(runs: Runs, key: str) -> int:
    return int(runs[key].categories["period"].max() * 0.25)


CLAIMS: dict[str, Claim] = {}


def _register(claim: Claim) -> None:
    CLAIMS[claim.id] = claim


_register(Claim(
    id="C1",
    title_en="Overcapacity drives prices to cost and producers into loss",
    title_zh="产能过剩使价格趋向成本、生产者长期亏损",
    quote_zh="这导致一般制造业产品的平均价格总是趋向于其制造成本，再加上诸如运输，消耗，残次品等其它成本，"
             "制成品的价格长期来看总是亏本的",
    summary_en="With chronic overcapacity, the price of ordinary manufactured goods tends to "
               "their production cost, and once transport, wastage and defects are added, "
               "producers lose money in the long run.",
    summary_zh="在长期产能过剩下，一般制成品的价格趋向制造成本，加上运输、损耗和次品，生产者长期亏损。",
    scenario="overcapacity",
    variants={"subsidised": {}},
    criteria=[
        Criterion("price_premium", "long-run price / production cost - 1 of commodity goods "
                  "(claimed below 0.05)",
                  lambda r: ms.price_to_cost(r["subsidised"], "goods") - 1.0, "<", 0.05),
        Criterion("net_margin", "long-run net margin of commodity producers (claimed below 0)",
                  lambda r: ms.long_run_category(r["subsidised"], "goods", "net_margin"),
                  "<", 0.0),
    ],
))

_register(Claim(
    id="C2",
    title_en="Technology premiums come in eroding cycles",
    title_zh="技术溢价呈周期性涨落",
    quote_zh="通过在一定周期内形成技术垄断优势，独占这种优势技术的供应渠道，进而增加产品的溢价，"
             "而当这种技术优势的垄断地位被打破，制成品的价格回归一般规律，逐步下落至趋近其制造成本时，"
             "通过再一次提升制成品的技术水准，形成新的技术优势周期",
    summary_en="Innovation gives a temporary technology monopoly and a premium; when imitation "
               "breaks it, prices fall toward cost until the next innovation starts a new cycle.",
    summary_zh="创新带来暂时的技术垄断与溢价；模仿打破垄断后价格回落至成本附近，直到下一次创新开启新的周期。",
    scenario="tech-cycles",
    variants={"rd": {}, "no_rd": {"firms.0.rd_intensity": 0.0}},
    criteria=[
        Criterion("cycles", "rise-and-decay cycles of the leader's markup (claimed at least 2)",
                  lambda r: _tech_cycles(r["rd"]), ">", 1.5),
        Criterion("premium", "long-run mean markup with R&D minus without (claimed above 0)",
                  lambda r: ms.long_run_category(r["rd"], "phones", "mean_markup")
                  - ms.long_run_category(r["no_rd"], "phones", "mean_markup")),
        Criterion("collapse", "cycles with R&D minus cycles with rho = 0 (claimed above 0)",
                  lambda r: _tech_cycles(r["rd"]) - _tech_cycles(r["no_rd"])),
    ],
))

_register(Claim(
    id="C3",
    title_en="Cultural premiums are stable while the accepting group exists",
    title_zh="只要接受群体存在，文化溢价就稳定",
    quote_zh="只要对于此类文化内涵具有接受度的消费群体始终存在，则此类产品必然能够保持相对稳定的溢价能力，"
             "从而获得高于其制造成本的消费价格",
    summary_en="As long as a consumer group that accepts the culture exists, such goods keep a "
               "relatively stable premium and sell above their production cost.",
    summary_zh="只要接受这种文化内涵的消费群体存在，此类产品就能保持相对稳定的溢价，售价高于制造成本。",
    scenario="craft-premium",
    variants={"accepted": {}, "forgotten": {"culture.miao.decay": Scale(10.0),
                                            "culture.miao.learning": 0.0}},
    criteria=[
        Criterion("premium", "long-run markup of craft goods minus that of technology goods "
                  "(claimed above 0)",
                  lambda r: ms.long_run_category(r["accepted"], "embroidery", "mean_markup")
                  - ms.long_run_category(r["accepted"], "phones", "mean_markup")),
        Criterion("stability", "variation (sd/mean) of the technology leader's markup minus "
                  "that of the craft markup (claimed above 0)",
                  lambda r: ms.variation(r["accepted"], "phones", "max_markup")
                  - ms.variation(r["accepted"], "embroidery", "mean_markup")),
        Criterion("needs_group", "craft markup when the accepting group persists minus when it "
                  "is forgotten (claimed above 0)",
                  lambda r: ms.long_run_category(r["accepted"], "embroidery", "mean_markup")
                  - ms.long_run_category(r["forgotten"], "embroidery", "mean_markup")),
    ],
))

_MODERNIZE_AT = "event.0.at"

_register(Claim(
    id="C4",
    title_en="Modernizing craft lowers cost but destroys the premium",
    title_zh="手工艺现代化降低成本却毁掉溢价",
    quote_zh="对于此类产品而言，换用先进的制造技术后，不仅没法通过形成技术垄断周期而提高溢价，"
             "原本依托于相对落后的技术条件而存在的文化涵义反而会因此散失，从而导致制成品本身的溢价减损",
    summary_en="Switching such goods to advanced production cannot raise the premium through a "
               "technology cycle; the meaning that lived in the old technique is lost, and the "
               "premium with it.",
    summary_zh="此类产品换用先进技术后无法靠技术周期提高溢价，依托传统技艺的文化涵义反而散失，溢价随之减损。",
    scenario="modernize-craft",
    variants={"traditional": {}, "mandate": {"event.0.enabled": True}},
    criteria=[
        Criterion("cost", "long-run unit cost under the mandate minus without (claimed below 0)",
                  lambda r: ms.long_run_category(r["mandate"], "embroidery", "cost_index")
                  - ms.long_run_category(r["traditional"], "embroidery", "cost_index"), "<"),
        Criterion("markup", "long-run markup under the mandate minus without (claimed below 0)",
                  lambda r: ms.long_run_category(r["mandate"], "embroidery", "mean_markup")
                  - ms.long_run_category(r["traditional"], "embroidery", "mean_markup"), "<"),
        Criterion("profit", "long-run craft profit under the mandate minus without, relative "
                  "(claimed below 0)",
                  lambda r: ms.long_run_category(r["mandate"], "embroidery", "profit")
                  / max(abs(ms.long_run_category(r["traditional"], "embroidery", "profit")), 1.0)
                  - np.sign(ms.long_run_category(r["traditional"], "embroidery", "profit")),
                  "<"),
    ],
))

_register(Claim(
    id="C5",
    title_en="Forcing craft into the technology market is a category error",
    title_zh="让手工艺去技术市场竞争是范畴错误（关公战秦琼）",
    quote_zh="所谓的把“让落后的东西去直面时代的淘汰”，本质上是把内容消费型制造业放到技术演进型制造业的"
             "市场环境中去参与竞争，究其实质而言，是“我在唐朝你在汉，咱俩打仗为哪般？”",
    summary_en="'Let the backward face elimination' puts content-consumption manufacturing into "
               "the market of technology-evolution manufacturing: 'I am in the Tang, you are in "
               "the Han, why do we fight?'",
    summary_zh="“让落后的东西去直面时代的淘汰”，实质是把内容消费型制造业放进技术演进型制造业的市场去竞争。",
    scenario="guan-vs-qin",
    variants={"separate": {}, "merged": {"event.0.enabled": True}},
    criteria=[
        Criterion("survival", "craft workshops alive at the end, merged minus separate "
                  "(claimed below 0)",
                  lambda r: ms.survivors(r["merged"], "embroidery")
                  - ms.survivors(r["separate"], "embroidery"), "<"),
        Criterion("profit", "mean monthly craft profit, merged minus separate (claimed below 0)",
                  lambda r: ms.firm_profit(r["merged"], "embroidery")
                  - ms.firm_profit(r["separate"], "embroidery"), "<"),
        Criterion("surplus", "total surplus (consumers + producers of both markets) per month, "
                  "merged minus separate, relative (claimed below 0)",
                  lambda r: ms.total_surplus(r["merged"], ["apparel", "embroidery"])
                  / ms.total_surplus(r["separate"], ["apparel", "embroidery"]) - 1.0, "<"),
    ],
))

_register(Claim(
    id="C6",
    title_en="Media and creators beat modernization for a poor craft region",
    title_zh="对贫困手工艺地区，传媒与内容创作者胜过现代化改造",
    quote_zh="他能把祖上传下来的刺绣手艺以互联网媒体的方式进行展示和分享，让苗族传统民俗文化和现代化的"
             "前沿艺术探索进行结合，融入到当代的新国风文化中，成为现代时尚的一部分，还能形成集群效应，"
             "带领乡亲们一起致富脱贫",
    summary_en="A craftsman who shows his inherited embroidery through internet media can make it "
               "part of modern fashion, form a cluster and lead his village out of poverty.",
    summary_zh="手艺人通过互联网媒体展示祖传刺绣，使其成为现代时尚的一部分，形成集群效应，带领乡亲致富脱贫。",
    scenario="guizhou",
    variants={
        "baseline": {},
        "modernize": {"event.0.enabled": True},
        "media": {"event.1.enabled": True, "event.2.enabled": True},
    },
    criteria=[
        Criterion("poverty", "long-run poverty headcount of the craft region, media and creators "
                  "minus modernization (claimed below 0)",
                  lambda r: ms.long_run_region(r["media"], "guizhou", "poverty_headcount")
                  - ms.long_run_region(r["modernize"], "guizhou", "poverty_headcount"), "<"),
        Criterion("members_gain", "profit gain of cooperative workshops minus that of other "
                  "workshops, media vs baseline (claimed above 0)",
                  lambda r: (ms.firm_profit(r["media"], "embroidery", cooperative=True,
                                            since=_quarter(r, "media"))
                             - ms.firm_profit(r["baseline"], "embroidery", cooperative=True,
                                              since=_quarter(r, "media")))
                  - (ms.firm_profit(r["media"], "embroidery", cooperative=False,
                                    since=_quarter(r, "media"))
                     - ms.firm_profit(r["baseline"], "embroidery", cooperative=False,
                                      since=_quarter(r, "media")))),
    ],
))

_register(Claim(
    id="C7",
    title_en="A mature craft culture lifts a country's technology margins",
    title_zh="成熟的手工艺文化抬升本国高技术产品的利润率",
    quote_zh="这种高端内容消费型制造业在发展成熟之后，可以实现对技术演进型制造业的互补，进一步提升其利润率",
    summary_en="Once mature, high-end content-consumption manufacturing complements "
               "technology-evolution manufacturing and lifts its margins further.",
    summary_zh="高端内容消费型制造业成熟之后，可与技术演进型制造业互补，进一步提升其利润率。",
    scenario="japan-halo",
    variants={"halo": {}, "no_halo": {"consumers.halo": 0.0}},
    criteria=[
        Criterion("markup", "long-run markup of the home country's technology firms, with the "
                  "halo minus without (claimed above 0)",
                  lambda r: ms.firm_markup(r["halo"], "cameras", region="japan")
                  - ms.firm_markup(r["no_halo"], "cameras", region="japan")),
        Criterion("net_margin", "long-run net margin of those firms, with the halo minus "
                  "without (claimed above 0)",
                  lambda r: ms.firm_net_margin(r["halo"], "cameras", region="japan")
                  - ms.firm_net_margin(r["no_halo"], "cameras", region="japan")),
    ],
))

_register(Claim(
    id="C8",
    title_en="The constraint is packaging and promotion, not cultural resources",
    title_zh="缺的不是文化资源，而是包装推广（寇可往我亦可往）",
    quote_zh="寇可往我亦可往，我们缺少不是文化资源，而是能包装，推广此类文化资源的现代化的传媒产业和"
             "一大批类似古阿新这类优质内容创作者而已",
    summary_en="What we lack is not cultural resources but a modern media industry able to "
               "package and promote them, and many good content creators.",
    summary_zh="我们缺少的不是文化资源，而是能够包装推广文化资源的现代传媒产业和大批优质内容创作者。",
    scenario="guizhou",
    variants={
        "media": {"event.1.enabled": True, "event.2.enabled": True},
        "more_media": {"event.1.enabled": True, "event.2.enabled": True,
                       "event.1.budget": Scale(1.2), "creator.guaxin.quality": Scale(1.2),
                       "creator.guaxin.promotion": Scale(1.2)},
        "more_culture": {"event.1.enabled": True, "event.2.enabled": True,
                         "culture.miao.capital": Scale(1.2)},
    },
    criteria=[
        Criterion("income", "long-run mean income gain of the craft region from +20% media and "
                  "creator capacity minus that from +20% cultural capital (claimed above 0)",
                  lambda r: ms.long_run_region(r["more_media"], "guizhou", "mean_income")
                  - ms.long_run_region(r["more_culture"], "guizhou", "mean_income")),
    ],
))
