"""Partner KPIs: indicators with owners, targets and tolerance, and their periodic returns."""
