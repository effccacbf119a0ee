"""亩均论英雄: yearly figures of local firms, the yearly evaluation scheme, grades and measures."""
