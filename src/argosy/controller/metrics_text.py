"""Prometheus' text exposition format (0.0.4) as Argo's exporter (client_golang) writes it,
and the series it is written from.

Why not ``prometheus_client``'s own writer: it adds ``_total`` to a counter's name, while Argo's
counters keep theirs (``argo_workflows_total_count``); and a scrape of 10,000 custom series must
stay cheap, so each series keeps its sample line's text, written once (labels never change).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client.metrics_core import Metric

from argosy.controller.custom_metrics import RealtimeValue
from argosy.goformat import format_float_v

#: every metric's name starts so (Argo's namespace and subsystem)
PREFIX = "argo_workflows_"


class Histogram:
    """Cumulative buckets, a sum and a count."""

    __slots__ = ("buckets", "count", "counts", "sum")

    def __init__(self, buckets: Iterable[float]) -> None:
        self.buckets = tuple(sorted(buckets))
        self.counts = [0] * len(self.buckets)
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        at = bisect.bisect_left(self.buckets, value)
        if at < len(self.counts):
            self.counts[at] += 1
        self.sum += value
        self.count += 1

    def samples(self, name: str, labels: dict[str, str]) -> list[tuple[str, dict[str, str], float]]:
        out, running = [], 0
        for bound, n in zip(self.buckets, self.counts, strict=True):
            running += n
            out.append((name + "_bucket", {**labels, "le": _go_float(bound)}, float(running)))
        out.append((name + "_bucket", {**labels, "le": "+Inf"}, float(self.count)))
        out.append((name + "_sum", labels, self.sum))
        out.append((name + "_count", labels, float(self.count)))
        return out


def _go_float(value: float) -> str:
    return format_value(value)


def format_value(value: float) -> str:
    """A sample value or bucket bound as client_golang writes it (Go's ``'g'``, shortest: ``1``,
    ``0.5``, ``1.234567e+06``, ``+Inf``, ``NaN``)."""
    value = float(value)
    magnitude = abs(value)
    if 1e-4 <= magnitude < 1e6 or value == 0:
        # Go and Python agree on the shortest digits; in this range both write them plainly
        return str(int(value)) if value.is_integer() else repr(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return format_float_v(value)


@dataclass(slots=True)
class Series:
    labels: tuple[tuple[str, str], ...]
    updated: float
    value: float = 0.0
    realtime: RealtimeValue | None = None
    completed: bool = False
    histogram: Histogram | None = None
    #: the sample lines' names and labels, written once (labels never change): a scrape of
    #: 10,000 series then costs formatting 10,000 values
    text: str | None = None
    bucket_text: list[str] | None = None


@dataclass(slots=True)
class CustomFamily:
    name: str
    help: str
    kind: str
    buckets: tuple[float, ...] = ()
    series: dict[tuple[tuple[str, str], ...], Series] = field(default_factory=dict)


def family(name: str, kind: str, help_: str, samples: list[tuple[dict[str, str], float]]) -> Metric:
    metric = Metric(PREFIX + name, help_, kind)
    for labels, value in samples:
        metric.add_sample(PREFIX + name, labels, value)
    return metric


def histogram_family(name: str, help_: str, series: list[tuple[dict[str, str], Histogram]]) -> Metric:
    metric = Metric(PREFIX + name, help_, "histogram")
    for labels, histogram in series:
        for sample_name, sample_labels, value in histogram.samples(PREFIX + name, labels):
            metric.add_sample(sample_name, sample_labels, value)
    return metric


def custom_family(family: CustomFamily) -> Metric:
    name = PREFIX + family.name
    metric = Metric(name, family.help, family.kind)
    for series in family.series.values():
        labels = dict(series.labels)
        if series.histogram is not None:
            for sample_name, sample_labels, value in series.histogram.samples(name, labels):
                metric.add_sample(sample_name, sample_labels, value)
        else:
            value = series.realtime() if series.realtime is not None else series.value
            metric.add_sample(name, labels, value)
    return metric


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels_text(labels: dict[str, str]) -> str:
    inner = ",".join(f'{k}="{_escape_value(str(v))}"' for k, v in sorted(labels.items()))
    return "{" + inner + "}" if inner else ""


def render(families: Iterable[Metric]) -> str:
    """Families in the text exposition format (0.0.4), samples in the order given, as
    client_golang writes them: a counter keeps its name (``prometheus_client``'s own writer
    would add ``_total``), values in Go's ``'g'`` format."""
    lines: list[str] = []
    for family in families:
        lines.append(f"# HELP {family.name} {_escape_help(family.documentation)}")
        lines.append(f"# TYPE {family.name} {family.type}")
        for sample in family.samples:
            lines.append(f"{sample.name}{_labels_text(sample.labels)} {format_value(sample.value)}")
    return "\n".join(lines) + "\n" if lines else ""


def custom_text(family: CustomFamily) -> str:
    name = PREFIX + family.name
    lines = [f"# HELP {name} {_escape_help(family.help)}", f"# TYPE {name} {family.kind}"]
    for series in family.series.values():
        labels = dict(series.labels)
        histogram = series.histogram
        if histogram is None:
            if series.text is None:
                series.text = name + _labels_text(labels)
            value = series.realtime() if series.realtime is not None else series.value
            lines.append(f"{series.text} {format_value(value)}")
            continue
        if series.bucket_text is None or series.text is None:
            bounds = [*(format_value(b) for b in histogram.buckets), "+Inf"]
            series.bucket_text = [f"{name}_bucket{_labels_text({**labels, 'le': b})}" for b in bounds]
            series.text = _labels_text(labels)
        running = 0
        for prefix, n in zip(series.bucket_text, [*histogram.counts, 0], strict=True):
            running += n
            lines.append(f"{prefix} {running}")
        lines[-1] = f"{series.bucket_text[-1]} {histogram.count}"
        lines.append(f"{name}_sum{series.text} {format_value(histogram.sum)}")
        lines.append(f"{name}_count{series.text} {histogram.count}")
    return "\n".join(lines) + "\n"
