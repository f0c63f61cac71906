"""Statistics of results, checked against scipy on raw data and against textbook values."""

import math

import pytest
from scipy import stats as sps

from otel_llm.experiments import stats

A = [812.0, 790.5, 845.2, 901.3, 760.8, 799.9, 830.1, 870.4, 815.0, 788.8, 805.5, 842.2]
B = [702.4, 690.1, 745.0, 688.3, 710.9, 730.2, 699.5, 720.0, 705.6, 740.7]


def _sample(values):
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return stats.Sample(n, mean, sd)


def test_welch_matches_scipy_on_the_raw_values():
    result = stats.compare_means(_sample(B), _sample(A))
    reference = sps.ttest_ind(B, A, equal_var=False)
    interval = reference.confidence_interval(0.95)
    assert result.test == "Welch's t-test"
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert result.ci_low == pytest.approx(interval.low, rel=1e-9)
    assert result.ci_high == pytest.approx(interval.high, rel=1e-9)
    assert result.difference == pytest.approx(sum(B) / len(B) - sum(A) / len(A))


def test_two_proportion_z_test_textbook_example():
    # 45/100 vs 30/100: pooled p = 0.375, z = 0.15 / sqrt(0.375·0.625·0.02) = 2.191, p = 0.0285
    result = stats.compare_proportions(45, 100, 30, 100)
    assert result.test == "two-proportion z-test"
    assert result.p_value == pytest.approx(0.02846, abs=5e-5)
    # the z-test is the uncorrected chi-square test of the 2×2 table
    chi2 = sps.chi2_contingency([[45, 55], [30, 70]], correction=False)
    assert result.p_value == pytest.approx(chi2.pvalue, rel=1e-9)
    half = 1.959964 * math.sqrt(0.45 * 0.55 / 100 + 0.3 * 0.7 / 100)
    assert (result.ci_low, result.ci_high) == pytest.approx((0.15 - half, 0.15 + half), rel=1e-5)


def test_small_counts_use_fishers_exact_test():
    # Fisher's tea-tasting table [[3, 1], [1, 3]]: two-sided p = 34/70 = 0.4857
    result = stats.compare_proportions(3, 4, 1, 4)
    assert result.test == "Fisher's exact test"
    assert result.p_value == pytest.approx(34 / 70, rel=1e-9)


def test_sample_size_for_80_percent_power_textbook_values():
    # proportions 0.6 vs 0.5 (Fleiss, no continuity correction): 387.3 → 388 per group
    assert stats.proportion_sample_size(0.6, 0.5) == pytest.approx(387.3, abs=0.1)
    # means: difference 5, sd 10 (d = 0.5): 2·(1.96 + 0.8416)²·100/25 = 62.8 → 63 per group
    assert stats.mean_sample_size(5, 10, 10) == pytest.approx(62.79, abs=0.01)
    # "still needed" subtracts what each group already has
    result = stats.compare_proportions(60, 100, 50, 100)
    assert result.needed_per_variant == 388 - 100
    assert stats.proportion_sample_size(0.5, 0.5) is None


def test_holm_adjusts_across_variants():
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert stats.holm([0.5]) == [0.5]
    assert stats.holm([0.9, 0.8]) == [1.0, 1.0]  # 2 × 0.8 capped at 1, never below the previous


def test_degenerate_groups():
    assert stats.compare_means(stats.Sample(1, 5.0, 0.0), stats.Sample(10, 5.0, 1.0)) is None
    # Constant groups give no evidence either way: no p-value at all (4 vs 4 constant scores
    # were once called p = 0).
    assert stats.compare_means(stats.Sample(5, 2.0, 0.0), stats.Sample(5, 2.0, 0.0)) is None
    assert stats.compare_means(stats.Sample(4, 5.0, 0.0), stats.Sample(4, 4.0, 0.0)) is None
    assert stats.compare_proportions(10, 10, 10, 10).p_value == 1.0
    assert stats.compare_proportions(0, 0, 1, 2) is None


def test_interval_of_one_mean_matches_scipy():
    low, high = stats.mean_interval(_sample(A))
    reference = sps.t.interval(0.95, len(A) - 1, loc=sum(A) / len(A), scale=sps.sem(A))
    assert (low, high) == pytest.approx(reference, rel=1e-9)
    assert stats.mean_interval(stats.Sample(1, 3.0, 0.0)) is None
