# ruff: noqa: E501  (translation tables: one prose sentence per line)
"""The model described after the ODD protocol (Grimm et al. 2020), in zh and en.

The same text feeds the report's methods section and ``docs/odd.md`` /
``docs/odd.zh.md`` (:func:`odd_markdown`), so the three never disagree.
"""

from __future__ import annotations

# (heading, [paragraphs]) per language; the headings follow the ODD elements.
ODD: dict[str, list[tuple[str, list[str]]]] = {
    "en": [
        ("1. Purpose and patterns", [
            "premia asks whether manufacturers escape the 'price tends to cost' trap of an over-supplied world in two separate ways: by technology (a temporary monopoly whose premium erodes as rivals imitate) or by cultural content (a premium that lasts while a group of buyers accepts the culture). It is judged by the patterns it must reproduce: prices near cost and losses under overcapacity, sawtooth markups in technology markets, stable craft premiums, and margins of real industries.",
        ]),
        ("2. Entities, state variables and scales", [
            "Categories (product markets: commodity, technology, culture or hybrid, each with its price rule), cultures (cultural capital M_k), regions (households, wages, poverty line, a public account), a national public account, firms (technology T, modern share m, capacity K, unit cost c, own cost factor z, price p, cash, R&D intensity ρ, interpretation right I), consumers (income, tastes, affinity and awareness per culture, neighbours on a small-world network; each stands for w people) and content creators (followers, content quality, a cooperative of workshops).",
            "One period is a month; runs last ten to twenty years. Space is implicit: regions differ by transport cost, wages and households. All state is held as arrays.",
        ]),
        ("3. Process overview and scheduling", [
            "Each month, in this order: scheduled interventions apply (a modernization buys its machines); busy firms add capacity and this month's entrants arrive, both paying for what they build; recurring public budgets are paid (media, heritage, creators' promotion); affinity, awareness and following update; costs, quality, authenticity and capacity are recomputed, and under a machine programme workshops decide whether to buy machines; each category's firms set prices by its rule (adaptive, or Bertrand–Nash with capacity); consumers choose; accounts are settled, creators take commissions and owners their dividends; household incomes are computed; R&D is spent, bankrupt firms exit and the month is recorded.",
        ]),
        ("4. Design concepts", [
            "Basic principles: logit demand with consideration sets; a price rule per category — Bertrand–Nash with capacity for goods that differ (technology, culture, hybrid), a behavioural rule that follows utilisation for undifferentiated commodities; entry that pays a sunk cost and arrives with the expected value of entering; evolutionary innovation and imitation after Dosi, Fagiolo and Roventini; Bass diffusion of awareness and following; every intervention paid from a public account.",
            "Emergence: price levels, markup cycles, overcapacity, the size of accepting groups and regional poverty emerge from firms' and consumers' interaction; none is imposed.",
            "Adaptation and objectives: Nash-pricing firms maximise this month's profit given rivals' prices and their capacity; adaptive firms move prices with utilisation; firms invest in R&D, grow capacity when busy (paying for it) and exit when cash runs out; potential entrants weigh the discounted profit of comparable incumbents against the sunk cost they pay; workshops offered machines weigh the profit they would make mechanized against their share of the machines' price; consumers maximise random utility.",
            "Learning and sensing: consumers' affinity learns from media, creators, neighbours and their own purchases, and decays; firms sense their own demand and utilisation; entrants sense the category's smoothed profit and demand.",
            "Interaction: through markets (shared choice sets) and the social network (affinity and awareness spread between neighbours).",
            "Stochasticity: initial tastes, firms' own cost, capacity and cash draws around their group's declared values, innovation and imitation draws, entry and the network come from one seeded random generator; the same scenario and seed give identical tables.",
            "Collectives: creators' cooperatives; owners sharing pricing; public accounts. Observation: tables of firms, categories, cultures, regions, creators and public spending each month.",
        ]),
        ("5. Initialization", [
            "A scenario file (TOML) sets every parameter; incomes and tastes are drawn log-normally, affinity and awareness from home and elsewhere means, firms start at the given technology, capacity, cash and markup.",
        ]),
        ("6. Input data", [
            "None at run time: interventions (modernization mandates, market mergers, media budgets, heritage spending, creators, entry and machine subsidies, patent changes, demand shocks) are events on the scenario's timeline, each paid from a public account.",
        ]),
        ("7. Submodels", [
            "Costs and quality, demand, pricing, innovation and imitation, entry and exit, mechanization, culture and awareness, public accounts and household incomes; their equations follow. The default price rule is by kind: adaptive for commodity, Bertrand–Nash for technology, culture and hybrid; adaptive goods in a market with Nash goods keep their price within the month and the Nash goods take it as given.",
        ]),
    ],
    "zh": [
        ("1. 目的与模式", [
            "premia 探讨：在产能过剩的世界里，制造商是否通过两条彼此独立的途径摆脱“价格趋向成本”的陷阱——依靠技术（暂时的垄断，溢价随对手模仿而被侵蚀），或依靠文化内容（只要有一群消费者接受这种文化，溢价就能持续）。模型以它必须重现的模式来检验：产能过剩下价格接近成本并出现亏损，技术市场的锯齿形加价率，稳定的手工艺溢价，以及真实行业的利润率。",
        ]),
        ("2. 实体、状态变量与尺度", [
            "产品门类（一般商品、技术、文化或混合型市场，各有其定价规则）、文化（文化资本 M_k）、地区（住户、工资、贫困线、一个公共账户）、一个全国公共账户、企业（技术水平 T、现代化比例 m、产能 K、单位成本 c、自身成本系数 z、价格 p、现金、研发强度 ρ、解释权 I）、消费者（收入、偏好、对每种文化的亲和度与知晓度、小世界网络上的邻居；每个模拟消费者代表 w 个真实的人）以及内容创作者（关注者、内容质量、一个作坊合作社）。",
            "一期为一个月，一次运行持续十到二十年。空间是隐含的：各地区在运输成本、工资和住户上不同。所有状态都以数组形式保存。",
        ]),
        ("3. 过程概述与调度", [
            "每个月依次进行：执行预定的干预（强制现代化时购置机器）；开工率高的企业扩产、本月新企业进入，二者都为所建产能付费；支付持续性的公共预算（传媒、文化遗产、创作者推广）；更新亲和度、知晓度与关注关系；重新计算成本、质量、真实性和产能，在机器补贴计划下作坊决定是否购置机器；各门类企业按其规则定价（适应性定价，或带产能约束的伯特兰–纳什定价）；消费者选择；结算账目，创作者抽取佣金、所有者领取分红；计算住户收入；投入研发，破产企业退出并记录当月数据。",
        ]),
        ("4. 设计概念", [
            "基本原理：带考虑集的 logit 需求；每个门类有自己的定价规则——有差异的商品（技术、文化、混合型）采用带产能约束的伯特兰–纳什定价，无差异的一般商品采用随开工率调整的行为规则；进入须支付沉没成本，进入率随进入的预期价值上升；参照 Dosi、Fagiolo 与 Roventini 的演化式创新与模仿；知晓与关注的 Bass 扩散；每项干预都由公共账户出资。",
            "涌现：价格水平、加价率周期、产能过剩、接受群体规模和地区贫困都从企业与消费者的互动中涌现，而非事先设定。",
            "适应与目标：纳什定价的企业在对手价格和自身产能给定时最大化当月利润；适应性定价的企业随开工率调整价格；企业投入研发、忙时（付费）扩产、现金耗尽时退出；潜在进入者以可比在位企业的贴现利润对比自己须承担的沉没成本；获得机器补贴的作坊比较机械化后的利润与自己承担的机器费用；消费者最大化随机效用。",
            "学习与感知：消费者的文化亲和度从传媒、创作者、邻居和自己的购买中习得，并会遗忘；企业感知自身的需求与开工率；潜在进入者感知所在门类平滑后的利润与需求。",
            "互动：通过市场（共享选择集）和社会网络（亲和度与知晓度在邻居间传播）。",
            "随机性：初始偏好、企业围绕其组申报值抽取的成本、产能与现金、创新与模仿的抽样、进入和网络都来自同一个带种子的随机数生成器；相同情景与种子给出完全相同的数据表。",
            "集体：创作者的合作社；共同所有者联合定价；公共账户。观测：每月记录企业、门类、文化、地区、创作者和公共支出数据表。",
        ]),
        ("5. 初始化", [
            "情景文件（TOML）设定所有参数；收入与偏好按对数正态分布抽取，亲和度与知晓度围绕本地和外地均值抽取，企业以给定的技术水平、产能、现金和加价率起步。",
        ]),
        ("6. 输入数据", [
            "运行时不读取外部数据：各种干预（强制现代化、市场合并、传媒预算、文化遗产投入、创作者、进入与机器补贴、专利期变化、需求冲击）都是情景时间线上的事件，均由公共账户出资。",
        ]),
        ("7. 子模型", [
            "成本与质量、需求、定价、创新与模仿、进入与退出、机械化、文化与知晓度、公共账户、住户收入；方程如下。默认定价规则按门类类型：一般商品用适应性定价，技术、文化与混合型门类用伯特兰–纳什定价；与纳什定价商品同处一个市场的适应性定价商品在当月价格不变，纳什定价商品视其为给定。",
        ]),
    ],
}

# (caption per language, equation text); the equations are the same in both languages.
EQUATIONS: list[tuple[dict[str, str], str]] = [
    ({"en": "Unit cost, quality, authenticity, meaning", "zh": "单位成本、质量、真实性、文化涵义"},
     "L_f = [(1 − m_f)·L_hand + m_f·L_machine] · exp(−λ_c·T_f) · z_f        (labour per unit)\n"
     "c_f = w_r·L_f + [(1 − m_f)·mat_hand + m_f·mat_machine] · exp(−λ_c·T_f) · z_f\n"
     "q_f = T_f + (1 − m_f)·q_hand + m_f·q_machine\n"
     "A_f = 1 − θ_c·m_f          M_f = M_k · A_f · I_f  (+ creator uplift)\n"
     "ĉ_f = c_f / (1 − δ_c) + τ_r     F_f = κ_c·K_f     K_f = K_hand,f·(1 + m_f·(g_c − 1))"),
    ({"en": "Demand: consideration-weighted mixed logit", "zh": "需求：带考虑集权重的混合 logit"},
     "V_ij = α_i·ω_c·q_j + β_c·a_{i,k(j)}·M_j + η·a_{i,k(r(j))} − γ_i·p_j ,   V_i0 = v0_c\n"
     "P_ij = e_ij·exp(V_ij) / (exp(V_i0) + Σ_j' e_ij'·exp(V_ij'))\n"
     "D_j = Σ_i w_i·φ_c·P_ij      sales_j = min(D_j, K_j)      γ_i = γ_c·(ȳ / y_i)^ε"),
    ({"en": "Adaptive pricing", "zh": "适应性定价"},
     "p ← max(c_f, p·exp(ψ·(u − u*))),   u = sales / K"),
    ({"en": "Bertrand–Nash pricing with capacity", "zh": "带产能约束的伯特兰–纳什定价"},
     "p_j = max(p_j^Nash(p_−j), p_j^clear(p_−j))        (Kuhn–Tucker: shadow cost μ_j ≥ 0)\n"
     "s + (O ∘ J)ᵀ·(p − ĉ − μ) = 0,   μ_j·(D_j − K_j) = 0,   D_j ≤ K_j,   J = Γ − diag(Λ)\n"
     "free goods:  p ← ĉ + μ + ζ(p),   ζ = Λ⁻¹·[(O ∘ Γ)ᵀ·(p − ĉ − μ) + s]   (Morrow–Skerlos)\n"
     "bound goods: J_BB·(p_B' − p_B) = K_B/(w·φ_c) − s_B                   (Newton to capacity)\n"
     "Λ_jj = Σ_i γ_i·P_ij     Γ_jk = Σ_i γ_i·P_ij·P_ik     O_jk = 1 if j, k share an owner"),
    ({"en": "Innovation and imitation", "zh": "创新与模仿"},
     "RD_f = ρ_f·revenue_f(t−1);  IN = ξ·RD,  IM = (1 − ξ)·RD\n"
     "P(innovate) = 1 − exp(−ζ1·IN_f / scale_c),   T' = T_f + x,  x ~ Beta(a, b) on [x_lo, x_hi]\n"
     "P(imitate)  = 1 − exp(−ζ2·IM_f / scale_c),   copy the best technology older than L"),
    ({"en": "Entry, exit and capacity", "zh": "进入、退出与产能"},
     "entrants_c ~ Poisson(λ_c),   λ_c = rate_c / (1 + exp(−V_c / (spread_c·Z_c)))\n"
     "V_c = Π̄_c/(n_c + 1)·A(r_c, H_c) − (1 − s_c)·S_c,   A(r, H) = (1 − (1 + r)^−H) / r\n"
     "S_c = entry_cost_c + capacity_cost_c·K_e,   K_e = D̄_c / (n_c + 1) / u*_c\n"
     "Π̄_c, D̄_c: the category's profit and demand smoothed with a 12-month memory\n"
     "Z_c = max(S_c, |Π̄_c/(n_c + 1)|·A, 1);   the public pays s_c·S_c, the entrant (1 − s_c)·S_c\n"
     "exit when cash_f < −B_c·max(F_f, 1)\n"
     "K_hand,f ← K_hand,f·(1 + g_K)  when u_f > u_grow and cash_f ≥ capacity_cost_c·ΔK_f"),
    ({"en": "Mechanization programme (a subsidy with target machines)",
      "zh": "机械化计划（target = machines 的补贴）"},
     "a workshop buys machines (m → 1) when\n"
     "   (π(mechanized) − π(now))·A(r_c, H_c) > (1 − s)·machine_capital_c·K_hand,f·(1 − m_f)·g_c\n"
     "π(x) = (p − ĉ)·min(D(p), K) − κ·K at the firm's best reply p, rivals' prices fixed"),
    ({"en": "Public accounts", "zh": "公共账户"},
     "balance_a(t) = balance_a(t−1) − Σ_instruments spending_a,i(t)      a = national or a region\n"
     "media: budget_k;  promotion: promotion_z while z is active;  heritage: budget, and\n"
     "M_k ← min(M_k + heritage_efficiency_k·budget, 100);  machines: machine_capital·K_hand·Δm·g\n"
     "entry_subsidy: s_c·S_c per entrant;  machine_subsidy: s·bill of each workshop that buys"),
    ({"en": "Affinity and awareness", "zh": "亲和度与知晓度"},
     "a_ik ← a_ik + μ_k·x_ik·(1 − a_ik) + χ·(ā_N(i),k − a_ik) + h·b_ik·(1 − a_ik) − d_k·a_ik\n"
     "e_ik ← e_ik + (1 − e_ik)·(p_k + r·ē_N(i),k) − ε·e_ik\n"
     "accepting group of k = { i : a_ik ≥ a* }\n"
     "x_ik = 1 − exp(−media_efficiency_k·budget_k) + Σ_z Q_z·follows_iz·[k(z) = k]"),
    ({"en": "Following a creator (Bass)", "zh": "关注内容创作者（Bass 过程）"},
     "P(i starts following z) = 1 − exp(−(p_z + q_z·f̄_N(i),z))   for i in z's audience (share m_z)\n"
     "p_z = bass_p_z + media_efficiency_k·promotion_z"),
    ({"en": "Accounts and households", "zh": "企业账目与家庭收入"},
     "profit_f = p·sales − w_r·L_f·produced − materials − τ_r·sales − F_f − RD_f − commission_f\n"
     "dividend_f = min(owner_share_r·max(profit_f, 0), max(cash_f, 0))\n"
     "cash_f(t) = cash_f(t−1) + injection_f + profit_f − dividend_f − investment_f\n"
     "y_h = base_h + wage_r·[h employed] + (Σ_f∈r dividend_f + creator income_r) / H_r\n"
     "jobs_r = Σ_f∈r L_f·sales_f / (1 − δ)     poverty_r = share of y_h below the line"),
    ({"en": "Reported figures", "zh": "报告的指标"},
     "markup = p/c − 1     gross margin = (p − c)/p     net margin = profit / revenue\n"
     "overcapacity = ΣK / ΣD"),
]

# Parameters shown in the report's tables: (field, symbol, {lang: label}).
CATEGORY_PARAMS: list[tuple[str, str, dict[str, str]]] = [
    ("kind", "", {"en": "kind of market", "zh": "市场类型"}),
    ("purchase_rate", "φ", {"en": "purchase rate per month", "zh": "每月购买概率"}),
    ("outside_utility", "v0", {"en": "utility of not buying", "zh": "不购买的效用"}),
    ("quality_weight", "ω", {"en": "utility per quality", "zh": "单位质量效用"}),
    ("culture_weight", "β", {"en": "utility per meaning", "zh": "单位文化涵义效用"}),
    ("price_weight", "γ_c", {"en": "utility per yuan", "zh": "每元价格的效用"}),
    ("hand_materials", "mat_hand", {"en": "materials per handmade unit",
                                    "zh": "手工单位材料成本"}),
    ("machine_materials", "mat_machine", {"en": "materials per machine unit",
                                          "zh": "机器单位材料成本"}),
    ("labour_hand", "L_hand", {"en": "worker-months per handmade unit", "zh": "手工单位用工（人月）"}),
    ("authenticity_loss", "θ", {"en": "meaning in the technique", "zh": "工艺中的文化涵义份额"}),
    ("machine_productivity", "g", {"en": "machine capacity multiple", "zh": "机器产能倍数"}),
    ("defect_rate", "δ", {"en": "defect rate", "zh": "次品率"}),
    ("fixed_cost", "κ", {"en": "fixed cost per capacity unit", "zh": "单位产能固定成本"}),
    ("patent_length", "L", {"en": "patent length (months)", "zh": "专利期（月）"}),
    ("price_speed", "ψ", {"en": "price adjustment speed", "zh": "价格调整速度"}),
    ("entry_cost", "S", {"en": "sunk cost of entering", "zh": "进入沉没成本"}),
    ("capacity_cost", "k_K", {"en": "cost per unit of capacity", "zh": "单位产能投资"}),
    ("entry_subsidy", "s", {"en": "public share of the sunk cost", "zh": "沉没成本的公共补贴份额"}),
]

KIND_WORDS: dict[str, dict[str, str]] = {
    "en": {"commodity": "commodity", "technology": "technology", "culture": "culture",
           "hybrid": "hybrid"},
    "zh": {"commodity": "一般商品", "technology": "技术演进型", "culture": "内容消费型",
           "hybrid": "混合型"},
}

MEASURE_WORDS: dict[str, dict[str, str]] = {
    "en": {"gross_margin": "gross margin", "net_margin": "net margin", "markup": "markup",
           "price_cost": "price / cost", "overcapacity": "overcapacity",
           "utilization": "capacity utilisation"},
    "zh": {"gross_margin": "毛利率", "net_margin": "净利润率", "markup": "加价率",
           "price_cost": "价格 / 成本", "overcapacity": "产能过剩",
           "utilization": "产能利用率"},
}

_MD_HEAD = {
    "en": ("# premia: the model (ODD protocol)",
           "Described after the ODD protocol (Overview, Design concepts, Details; "
           "Grimm et al. 2020, JASSS 23(2) 7).", "## Equations",
           "[中文版](odd.zh.md)"),
    "zh": ("# premia：模型说明（ODD 协议）",
           "按照 ODD 协议（概述、设计概念、细节；Grimm 等，2020，JASSS 23(2) 7）描述。",
           "## 方程", "[English](odd.md)"),
}


def odd_markdown(lang: str) -> str:
    """The ODD description as Markdown (the content of ``docs/odd[.zh].md``)."""
    title, intro, eq_head, link = _MD_HEAD[lang]
    lines = [title, "", link, "", intro, ""]
    for heading, paragraphs in ODD[lang]:
        lines += [f"## {heading}", ""]
        for p in paragraphs:
            lines += [p, ""]
    lines += [eq_head, ""]
    for caption, text in EQUATIONS:
        lines += [f"**{caption[lang]}**", "", "```text", text, "```", ""]
    return "\n".join(lines)
