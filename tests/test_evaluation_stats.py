"""Every statistic of an evaluation run checked against scipy on the raw data."""

from __future__ import annotations

import math

import pytest
from scipy import stats as sps

from otel_llm.evaluation import stats

A = [3.0, 4.0, 2.0, 5.0, 4.0, 3.0, 4.0, 2.0, 3.0, 4.0]
B = [4.0, 5.0, 3.0, 5.0, 5.0, 4.0, 4.0, 3.0, 4.0, 5.0]


def test_mean_interval_is_students_t():
    s = stats.summarise(A, boolean=False)
    low, high = sps.t.interval(0.95, len(A) - 1, loc=sum(A) / len(A), scale=sps.sem(A))
    assert (s.n, s.mean) == (10, pytest.approx(3.4))
    assert (s.ci_low, s.ci_high) == (pytest.approx(low), pytest.approx(high))


def test_pass_rate_interval_is_wilson():
    values = [1.0] * 7 + [0.0] * 3
    s = stats.summarise(values, boolean=True)
    ci = sps.binomtest(7, 10).proportion_ci(0.95, method="wilson")
    assert s.mean == 0.7 and (s.ci_low, s.ci_high) == (pytest.approx(ci.low), pytest.approx(ci.high))


def test_paired_t_test_and_wilcoxon_match_scipy():
    c = stats.paired(A, B)
    diffs = [b - a for a, b in zip(A, B, strict=True)]
    low, high = sps.t.interval(0.95, len(diffs) - 1, loc=sum(diffs) / len(diffs), scale=sps.sem(diffs))
    assert c.test == "paired t-test" and c.paired and c.n == 10
    assert c.difference == pytest.approx(0.8)
    assert c.p_value == pytest.approx(sps.ttest_rel(B, A).pvalue)
    assert (c.ci_low, c.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert c.wilcoxon_p == pytest.approx(sps.wilcoxon(B, A).pvalue)


def test_mcnemar_is_the_exact_binomial_test_on_discordant_pairs():
    base = [1.0] * 10 + [0.0] * 10
    cand = [1.0] * 9 + [0.0] + [1.0] * 8 + [0.0] * 2  # 8 gained, 1 lost
    c = stats.paired(base, cand)
    assert c.test == "McNemar's exact test"
    assert c.p_value == pytest.approx(sps.binomtest(8, 9, 0.5).pvalue)
    assert c.difference == pytest.approx(7 / 20)


def test_repeats_are_averaged_per_item_first():
    means = stats.item_means([("q1", 1.0), ("q1", 0.0), ("q2", 1.0), ("q2", 1.0)])
    assert means == {"q1": 0.5, "q2": 1.0}
    # Fractional rates after averaging go to the paired t-test, not McNemar.
    assert stats.paired([0.5, 1.0, 0.0], [1.0, 1.0, 0.5]).test == "paired t-test"


def test_constant_differences_and_small_samples_are_never_significant():
    constant = stats.adjust([stats.paired([4.0] * 4, [5.0] * 4)])[0]
    assert constant.p_value is None and not constant.significant
    assert "same amount" in constant.reason
    small = stats.adjust([stats.paired([1.0, 2.0, 1.0, 2.0, 1.0], [3.0, 5.0, 4.0, 6.0, 4.0])])[0]
    assert small.p_value < 0.05 and not small.significant and "at least 8" in small.reason


def test_holm_across_comparisons_and_unpaired_welch():
    tested = stats.adjust([stats.paired(A, B), stats.paired(A, A[::-1])])
    raw = sorted([tested[0].p_value, tested[1].p_value])
    assert sorted(c.p_adjusted for c in tested) == pytest.approx([2 * raw[0], max(2 * raw[0], raw[1])])
    welch = stats.compare({i: v for i, v in enumerate(A)}, {i + 100: v for i, v in enumerate(B)})
    assert not welch.paired
    assert welch.p_value == pytest.approx(sps.ttest_ind(B, A, equal_var=False).pvalue)


def test_welch_interval_matches_scipy():
    welch = stats.unpaired(A, B)
    ref = sps.ttest_ind(B, A, equal_var=False).confidence_interval(0.95)
    assert (welch.ci_low, welch.ci_high) == (pytest.approx(ref.low), pytest.approx(ref.high))
    assert not math.isnan(welch.difference)
