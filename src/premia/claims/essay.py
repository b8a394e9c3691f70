# ruff: noqa: E501  (the essay's sentences, one per line)
"""The essay's words for its eight claims: the original sentence and summaries.

The claims themselves (variants, criteria, placebos) are ``[[question]]`` sections of the
shipped scenarios; this table adds what the essay says, in Chinese, and a summary in
both languages, keyed by claim id. ``docs/essay.zh.txt`` holds the whole essay.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EssayClaim:
    """What the essay says for one claim."""

    title_zh: str
    quote_zh: str
    summary_en: str
    summary_zh: str


ESSAY: dict[str, EssayClaim] = {
    "C1": EssayClaim(
        title_zh="产能过剩使价格趋向成本、生产者长期亏损",
        quote_zh="这导致一般制造业产品的平均价格总是趋向于其制造成本，再加上诸如运输，消耗，残次品等其它成本，制成品的价格长期来看总是亏本的",
        summary_en="With chronic overcapacity, the price of ordinary manufactured goods tends to their production cost, and once transport, wastage and defects are added, producers lose money in the long run.",
        summary_zh="在长期产能过剩下，一般制成品的价格趋向制造成本，加上运输、损耗和次品，生产者长期亏损。",
    ),
    "C2": EssayClaim(
        title_zh="技术溢价呈周期性涨落",
        quote_zh="通过在一定周期内形成技术垄断优势，独占这种优势技术的供应渠道，进而增加产品的溢价，而当这种技术优势的垄断地位被打破，制成品的价格回归一般规律，逐步下落至趋近其制造成本时，通过再一次提升制成品的技术水准，形成新的技术优势周期",
        summary_en="Innovation gives a temporary technology monopoly and a premium; when imitation breaks it, prices fall toward cost until the next innovation starts a new cycle.",
        summary_zh="创新带来暂时的技术垄断与溢价；模仿打破垄断后价格回落至成本附近，直到下一次创新开启新的周期。",
    ),
    "C3": EssayClaim(
        title_zh="只要接受群体存在，文化溢价就稳定",
        quote_zh="只要对于此类文化内涵具有接受度的消费群体始终存在，则此类产品必然能够保持相对稳定的溢价能力，从而获得高于其制造成本的消费价格",
        summary_en="As long as a consumer group that accepts the culture exists, such goods keep a relatively stable premium and sell above their production cost.",
        summary_zh="只要接受这种文化内涵的消费群体存在，此类产品就能保持相对稳定的溢价，售价高于制造成本。",
    ),
    "C4": EssayClaim(
        title_zh="手工艺现代化降低成本却毁掉溢价",
        quote_zh="对于此类产品而言，换用先进的制造技术后，不仅没法通过形成技术垄断周期而提高溢价，原本依托于相对落后的技术条件而存在的文化涵义反而会因此散失，从而导致制成品本身的溢价减损",
        summary_en="Switching such goods to advanced production cannot raise the premium through a technology cycle; the meaning that lived in the old technique is lost, and the premium with it.",
        summary_zh="此类产品换用先进技术后无法靠技术周期提高溢价，依托传统技艺的文化涵义反而散失，溢价随之减损。",
    ),
    "C5": EssayClaim(
        title_zh="让手工艺去技术市场竞争是范畴错误（关公战秦琼）",
        quote_zh="所谓的把“让落后的东西去直面时代的淘汰”，本质上是把内容消费型制造业放到技术演进型制造业的市场环境中去参与竞争，究其实质而言，是“我在唐朝你在汉，咱俩打仗为哪般？”",
        summary_en="'Let the backward face elimination' puts content-consumption manufacturing into the market of technology-evolution manufacturing: 'I am in the Tang, you are in the Han, why do we fight?'",
        summary_zh="“让落后的东西去直面时代的淘汰”，实质是把内容消费型制造业放进技术演进型制造业的市场去竞争。",
    ),
    "C6": EssayClaim(
        title_zh="对贫困手工艺地区，传媒与内容创作者胜过现代化改造",
        quote_zh="他能把祖上传下来的刺绣手艺以互联网媒体的方式进行展示和分享，让苗族传统民俗文化和现代化的前沿艺术探索进行结合，融入到当代的新国风文化中，成为现代时尚的一部分，还能形成集群效应，带领乡亲们一起致富脱贫",
        summary_en="A craftsman who shows his inherited embroidery through internet media can make it part of modern fashion, form a cluster and lead his village out of poverty.",
        summary_zh="手艺人通过互联网媒体展示祖传刺绣，使其成为现代时尚的一部分，形成集群效应，带领乡亲致富脱贫。",
    ),
    "C7": EssayClaim(
        title_zh="成熟的手工艺文化抬升本国高技术产品的利润率",
        quote_zh="这种高端内容消费型制造业在发展成熟之后，可以实现对技术演进型制造业的互补，进一步提升其利润率",
        summary_en="Once mature, high-end content-consumption manufacturing complements technology-evolution manufacturing and lifts its margins further.",
        summary_zh="高端内容消费型制造业成熟之后，可与技术演进型制造业互补，进一步提升其利润率。",
    ),
    "C8": EssayClaim(
        title_zh="缺的不是文化资源，而是包装推广（寇可往我亦可往）",
        quote_zh="寇可往我亦可往，我们缺少不是文化资源，而是能包装，推广此类文化资源的现代化的传媒产业和一大批类似古阿新这类优质内容创作者而已",
        summary_en="What we lack is not cultural resources but a modern media industry able to package and promote them, and many good content creators.",
        summary_zh="我们缺少的不是文化资源，而是能够包装推广文化资源的现代传媒产业和大批优质内容创作者。",
    ),
}
