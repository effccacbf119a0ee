"""Investment-promotion CRM with industry-chain maps (招商图谱)."""
