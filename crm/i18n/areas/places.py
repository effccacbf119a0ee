"""Places and what projects report: agreement type, investor origin, county, project name."""

ZH = {
    "agreement_type.framework": "框架协议",
    "agreement_type.formal": "正式协议",
    "origin.overseas": "境外",
    "origin.other_province": "省外",
    "origin.other_city": "省内市外",
    "origin.local": "市内",
    "report.project_name": "项目名称",
    "report.project_name_hint": "默认：企业名称 + 环节 + 项目",
    "report.agreement_type": "协议类型",
    "report.investor_origin": "投资方来源",
    "report.fixed_asset_investment": "固定资产投资（万元）",
    "report.county": "落地区县",
    "report.source_region": "资金来源地",
}

EN = {
    "agreement_type.framework": "Framework agreement",
    "agreement_type.formal": "Formal agreement",
    "origin.overseas": "Overseas",
    "origin.other_province": "Other province",
    "origin.other_city": "Elsewhere in the province",
    "origin.local": "In the city",
    "report.project_name": "Project name",
    "report.project_name_hint": "default: company + segment + project",
    "report.agreement_type": "Agreement type",
    "report.investor_origin": "Investor origin",
    "report.fixed_asset_investment": "Fixed-asset investment (10k CNY)",
    "report.county": "County",
    "report.source_region": "Source of funds",
}
