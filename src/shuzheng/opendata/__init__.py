"""公共数据开放网: the public open-data portal (CKAN Action API v3, DCAT-AP, downloads) and 可用不可见
aggregate queries over conditional and personal datasets."""
