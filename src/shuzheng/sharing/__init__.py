"""Data sharing between departments (数据共享): demand and supply (供需对接), agreements (共享授权), the
data service API with masking, and the access trace (我的数据被谁用了)."""
