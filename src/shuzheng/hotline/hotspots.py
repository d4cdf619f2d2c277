"""民意热点: daily spikes of one topic in one district against that pair's own recent past.

The input is a Polars frame of requests (`request_id`, `created_at`, `topic_code`, `district_code`),
as `stats.requests_frame` gives it. `created_at` should be timezone-aware (UTC, as stored); naive
values are taken as UTC too. What counts is the day in China (UTC+8, no daylight saving since 1991):
a call at 23:30 Beijing time on 3 March belongs to 3 March although it is 15:30 UTC. Requests
without a topic or district are left out (they cannot make a topic × area spike).

For each (topic, district) and day d, over the `baseline_days` before d (d excluded; days without
requests count as 0; W = the number of those days):

    f_k       the city's weekday profile: mean city-wide volume on weekday k ÷ mean volume, over W
    level     = Σ counts / W                             (the pair's usual daily volume)
    expected  = level × f_weekday(d)                     (`Hotspot.baseline`)
    residual  = Σ (count_t − level·f_t)² / W             (spread around the weekly pattern)
    score     = (count − expected) / √max(expected · max(1, residual / level), 1)

Why: daily counts of independent calls are Poisson (variance = mean), so (count − expected)/√expected
is a z-score. Calls follow the week — Sundays are quieter — and a flat mean would see every Monday
as a rise; the weekday profile is taken city-wide because one pair's four Mondays are too few. Real
series are also over-dispersed (a news story doubles a week), so the variance is scaled up by the
pair's own residual dispersion when that exceeds Poisson's, which keeps a noisy pair from raising
alarms. The floor of 1 keeps a pair that is almost always 0 from scoring 100 for two calls. A robust
z-score (median/MAD) was rejected: for sparse daily counts the MAD is 0 most of the time.

A pair-day is a hotspot when its count reaches `min_count` (3 calls are not news, whatever the
score) and its score reaches `min_score`. The default 3.5 is a false-alarm budget: a Poisson count
passes z ≥ 3.5 by chance about once in 2,000–4,000 pair-days, so a city of 18 topics × 3 districts
sees a chance alarm every five to ten weeks; at 3.0 it would be about three a month (the benchmark
shows both). Days with fewer than `MIN_HISTORY_DAYS` of history in the frame are not scored.

Everything is one lazy Polars query over the whole frame — a per-pair time-based rolling window gives
every day's sums at once — so `detect_range` over 30 days costs about what one day does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from shuzheng.errors import ValidationFailed, field_error

COLUMNS = ("request_id", "created_at", "topic_code", "district_code")
CHINA_OFFSET = dt.timedelta(hours=8)
MIN_HISTORY_DAYS = 7
BASELINE_DAYS = 28
MIN_COUNT = 5
MIN_SCORE = 3.5
KEYS = ("topic_code", "district_code")


@dataclass(frozen=True)
class Hotspot:
    day: dt.date
    topic_code: str
    district_code: str
    count: int
    baseline: float  # mean daily count over the baseline window
    score: float
    request_ids: list[int] = field(default_factory=list)


def detect(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    day: dt.date,
    baseline_days: int = BASELINE_DAYS,
    min_count: int = MIN_COUNT,
    min_score: float = MIN_SCORE,
) -> list[Hotspot]:
    """The hotspots of one China-local day, highest score first."""
    return detect_range(
        frame, start=day, end=day, baseline_days=baseline_days, min_count=min_count, min_score=min_score
    )


def detect_range(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    start: dt.date,
    end: dt.date,
    baseline_days: int = BASELINE_DAYS,
    min_count: int = MIN_COUNT,
    min_score: float = MIN_SCORE,
) -> list[Hotspot]:
    """The hotspots of every day from `start` to `end` inclusive, by day, then highest score first."""
    _check(start, end, baseline_days, min_count)
    requests = _utc(_lazy(frame)).drop_nulls(["topic_code", "district_code", "utc"])
    first_call = requests.select(pl.col("utc").min()).collect().item()
    if first_call is None:
        return []
    history_start = (first_call + CHINA_OFFSET).date()
    first_scored = max(start, history_start + dt.timedelta(days=MIN_HISTORY_DAYS))
    if first_scored > end:
        return []
    window_start = first_scored - dt.timedelta(days=baseline_days)
    # Cut on the raw instants first: the China date is then computed only for the rows that matter.
    requests = requests.filter(
        pl.col("utc").is_between(
            _utc_midnight(window_start), _utc_midnight(end + dt.timedelta(days=1)), closed="left"
        )
    ).with_columns((pl.col("utc") + CHINA_OFFSET).dt.date().alias("local_day"))

    daily = requests.group_by(*KEYS, "local_day").agg(pl.len().cast(pl.Int64).alias("count"))
    spikes = _score(daily, history_start, first_scored, end, baseline_days).filter(
        (pl.col("count") >= min_count) & (pl.col("score") >= min_score)
    )
    ids = (
        requests.join(spikes.select(*KEYS, "local_day"), on=[*KEYS, "local_day"], how="semi")
        .group_by(*KEYS, "local_day")
        .agg(pl.col("request_id").sort().alias("request_ids"))
    )
    result = (
        spikes.join(ids, on=[*KEYS, "local_day"], how="left")
        .sort(["local_day", "score", "topic_code", "district_code"], descending=[False, True, False, False])
        .collect()
    )
    return [
        Hotspot(
            day=row["local_day"],
            topic_code=row["topic_code"],
            district_code=row["district_code"],
            count=int(row["count"]),
            baseline=round(float(row["baseline"]), 4),
            score=round(float(row["score"]), 4),
            request_ids=[int(i) for i in row["request_ids"] or []],
        )
        for row in result.iter_rows(named=True)
    ]


def _score(
    daily: pl.LazyFrame, history_start: dt.date, first: dt.date, last: dt.date, baseline_days: int
) -> pl.LazyFrame:
    """Each (topic, district, day) from `first` to `last` with its expected count and score."""
    weekday = (pl.col("local_day").dt.weekday() - 1).alias("weekday")
    window = (
        daily.with_columns(weekday)
        .sort("local_day")
        .rolling(index_column="local_day", period=f"{baseline_days}d", closed="left", group_by=list(KEYS))
        .agg(
            *(pl.col("count").filter(pl.col("weekday") == k).sum().alias(f"s{k}") for k in range(7)),
            (pl.col("count") ** 2).sum().alias("squares"),
        )
    )
    # A day early in the frame has fewer than `baseline_days` behind it; divide by what it has.
    days = pl.min_horizontal(
        pl.lit(baseline_days), (pl.col("local_day") - pl.lit(history_start)).dt.total_days()
    ).cast(pl.Float64)
    level = pl.sum_horizontal(*(pl.col(f"s{k}") for k in range(7))) / days
    cross = pl.sum_horizontal(*(pl.col(f"f{k}") * pl.col(f"s{k}") for k in range(7)))
    residual = (
        pl.col("squares") - 2 * pl.col("level") * cross + pl.col("level") ** 2 * pl.col("f_squares")
    ) / days
    dispersion = pl.when(pl.col("level") > 0).then(residual / pl.col("level")).otherwise(1.0)
    spread = pl.max_horizontal(
        pl.col("baseline") * pl.max_horizontal(dispersion, pl.lit(1.0)), pl.lit(1.0)
    ).sqrt()
    return (
        daily.filter(pl.col("local_day").is_between(first, last))
        .join(window, on=[*KEYS, "local_day"], how="left")
        .join(_weekday_factors(daily, history_start, first, last, baseline_days), on="local_day", how="left")
        .with_columns(pl.col(f"s{k}").fill_null(0) for k in range(7))
        .with_columns(pl.col("squares").fill_null(0), level.alias("level"))
        .with_columns((pl.col("level") * pl.col("f_today")).alias("baseline"))
        .with_columns(((pl.col("count") - pl.col("baseline")) / spread).alias("score"))
        .select(*KEYS, "local_day", "count", "baseline", "score")
    )


def _weekday_factors(
    daily: pl.LazyFrame, history_start: dt.date, first: dt.date, last: dt.date, baseline_days: int
) -> pl.LazyFrame:
    """For each scored day, the city's weekday profile over that day's baseline window: f0…f6 (the
    mean city-wide volume on that weekday ÷ the mean over the window), Σ n_k·f_k² (n_k = days of
    weekday k in the window) and f_today. City-wide because one pair's four Mondays are too few to
    know its Mondays; the whole city's thousands of calls say how much quieter a Sunday is."""
    calendar = pl.LazyFrame(
        {"t": pl.date_range(max(first - dt.timedelta(days=baseline_days), history_start), last, eager=True)}
    )
    totals = calendar.join(
        daily.group_by("local_day").agg(pl.col("count").sum().alias("total")),
        left_on="t",
        right_on="local_day",
        how="left",
    ).with_columns(pl.col("total").fill_null(0).cast(pl.Float64), (pl.col("t").dt.weekday() - 1).alias("k"))
    targets = pl.LazyFrame({"local_day": pl.date_range(first, last, eager=True)})
    in_window = targets.join(totals, how="cross").filter(
        (pl.col("t") < pl.col("local_day"))
        & (pl.col("t") >= pl.col("local_day") - pl.duration(days=baseline_days))
    )
    by_weekday = (
        in_window.group_by("local_day", "k")
        .agg(pl.col("total").mean().alias("weekday_mean"), pl.len().alias("n"))
        .join(in_window.group_by("local_day").agg(pl.col("total").mean().alias("mean")), on="local_day")
        .with_columns(
            pl.when(pl.col("mean") > 0)
            .then(pl.col("weekday_mean") / pl.col("mean"))
            .otherwise(1.0)
            .alias("f")
        )
    )
    today = pl.col("local_day").dt.weekday() - 1
    return (
        by_weekday.group_by("local_day")
        .agg(
            *(pl.col("f").filter(pl.col("k") == k).first().alias(f"f{k}") for k in range(7)),
            (pl.col("n") * pl.col("f") ** 2).sum().alias("f_squares"),
        )
        # A weekday absent from a window shorter than a week has no days to weigh: factor 1.
        .with_columns(pl.col(f"f{k}").fill_null(1.0) for k in range(7))
        .with_columns(
            pl.coalesce(*(pl.when(today == k).then(pl.col(f"f{k}")) for k in range(7))).alias("f_today")
        )
    )


def _lazy(frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    if isinstance(frame, pl.DataFrame):
        return frame.lazy()
    if isinstance(frame, pl.LazyFrame):
        return frame
    raise ValidationFailed("热点识别的输入应为 Polars 数据表（DataFrame 或 LazyFrame）")


def _utc_midnight(day: dt.date) -> dt.datetime:
    """The naive UTC instant at which `day` begins in China."""
    return dt.datetime.combine(day, dt.time()) - CHINA_OFFSET


def _utc(frame: pl.LazyFrame) -> pl.LazyFrame:
    """The columns needed, `created_at` as naive UTC in `utc` (a change of metadata, not of data)."""
    schema = frame.collect_schema()
    missing = [c for c in COLUMNS if c not in schema]
    if missing:
        raise field_error(missing[0], "热点识别的输入缺少该列")
    created = schema["created_at"]
    if not isinstance(created, pl.Datetime):
        raise field_error("created_at", f"应为日期时间类型，实际为 {created}")
    utc = pl.col("created_at")
    if created.time_zone is not None:
        utc = utc.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return frame.select(
        pl.col("request_id"),
        pl.col("topic_code").cast(pl.Utf8),
        pl.col("district_code").cast(pl.Utf8),
        utc.alias("utc"),
    )


def _check(start: dt.date, end: dt.date, baseline_days: int, min_count: int) -> None:
    if end < start:
        raise field_error("end", "结束日期不能早于开始日期")
    if not 1 <= baseline_days <= 366:
        raise field_error("baseline_days", "基线天数应在 1 到 366 之间")
    if min_count < 1:
        raise field_error("min_count", "最小件数至少为 1")
