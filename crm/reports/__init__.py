"""Reports leadership hands on: the monthly bulletin (月度招商引资通报)."""
