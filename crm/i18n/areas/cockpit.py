"""The cockpit's league tables and targets (the rest of its text is in the main catalogues)."""

ZH = {
    "cockpit.in_place_outside": "其中省外到位资金",
    "cockpit.in_place_outside_short": "其中省外（亿元）",
    "cockpit.completion": "签约额完成率",
    "cockpit.schedule": "序时进度 {share}",
    "cockpit.league_note": "完成率为签约额累计 ÷ 年度目标，与序时进度（{share}）比较着色：绿色达到或超过，黄色落后不超过10个百分点，红色落后超过10个百分点；未设目标不着色。",
    "cockpit.league_counties": "区县排行",
    "cockpit.county": "区县",
}

EN = {
    "cockpit.in_place_outside": "of which from other provinces",
    "cockpit.in_place_outside_short": "from other provinces (亿元)",
    "cockpit.completion": "Investment vs target",
    "cockpit.schedule": "year elapsed {share}",
    "cockpit.league_note": "Investment signed so far ÷ the year's target, coloured against the share of the year elapsed ({share}): green on or ahead, amber up to 10 points behind, red further behind; no target, no colour.",
    "cockpit.league_counties": "Counties",
    "cockpit.county": "County",
}
