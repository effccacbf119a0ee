"""Small builders of request bodies."""

from stdnum.cn import uscc


def credit_code(serial: int, prefix: str = "91510700") -> str:
    """A valid unified social credit code (GB 32100-2015) for the serial number."""
    body = f"{prefix}{serial:09d}"
    body = body.replace("I", "1").replace("O", "0")
    return body + uscc.calc_check_digit(body)


def chain_file(code: str = "new-display", **overrides) -> dict:
    file = {
        "code": code,
        "name": "新型显示",
        "name_en": "New display",
        "segments": [
            {
                "code": "materials",
                "name": "材料",
                "stage": "upstream",
                "parent": None,
                "direction": False,
                "products": [],
            },
            {
                "code": "glass-substrate",
                "name": "玻璃基板",
                "stage": "upstream",
                "parent": "materials",
                "direction": True,
                "products": ["TFT glass"],
            },
            {
                "code": "liquid-crystal",
                "name": "液晶材料",
                "stage": "upstream",
                "parent": "materials",
                "direction": False,
                "products": ["LC mixture"],
            },
            {
                "code": "panel",
                "name": "面板",
                "stage": "midstream",
                "parent": None,
                "direction": True,
                "products": ["LCD", "OLED"],
            },
            {
                "code": "terminal",
                "name": "终端",
                "stage": "downstream",
                "parent": None,
                "direction": False,
                "products": ["TV"],
            },
        ],
        "links": [
            {"from": "glass-substrate", "to": "panel"},
            {"from": "liquid-crystal", "to": "panel"},
            {"from": "panel", "to": "terminal"},
        ],
    }
    file.update(overrides)
    return file


def company(name: str, **fields) -> dict:
    return {"name": name, "is_local": False, **fields}
