"""The data resource catalog (数据资源目录): one 一本账 of every department's data."""
