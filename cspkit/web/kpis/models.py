"""Partner indicators (KPIs) and their returns: a value per indicator per reporting period.

An :class:`Indicator` belongs to a partnership and is owned by one organisation, whose
editors enter its returns (:mod:`cspkit.web.plan.permissions`, ``enter_return``). Its
target, polarity and tolerance are compared with the returns by
:mod:`cspkit.products.partner_kpis` (metrics.md, "RAG against a target"); a ``sensitive``
indicator's small counts are suppressed in anything published ("Small numbers").

A :class:`Return` is kept forever: it is changed (with a new version, audited with the values
before and after) but never deleted.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from cspkit.measures.reporting_periods import PERIODS_PER_YEAR, Period, PeriodError, parse_period
from cspkit.measures.targets import Target
from cspkit.web.plan.models import Action, Objective, Organisation, Partnership

VALUE_DIGITS = 16
VALUE_PLACES = 4
RESERVED_CODES = {"late", "returns"}  # /kpis/<code>/ would clash with these pages


class Measure(models.TextChoices):
    COUNT = "count", "Count"
    RATE = "rate", "Rate"
    PERCENTAGE = "percentage", "Percentage"


class Polarity(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"


class TargetKind(models.TextChoices):
    PER_PERIOD = "per_period", "The same every period"
    CUMULATIVE = "cumulative", "A total to reach by a given period (year to date)"
    ANNUAL = "annual", "A total for the year (compared pro-rata)"


def _value_field(label: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        label, max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES, **kwargs
    )


def plain_number(value: Decimal | None) -> str:
    """A stored figure as a person typed it: 4.5, not 4.5000; 18, not 18.0000."""
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return "0" if text in {"-0", ""} else text


class Indicator(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT)
    code = models.SlugField(
        max_length=80, help_text="Short name used in return files, e.g. victim_hub_referrals."
    )
    name = models.CharField(max_length=300)
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="indicators",
        help_text="The organisation whose figure it is; its editors enter the returns.",
    )
    unit = models.CharField(
        max_length=100, help_text='The figure\'s wording, plural: "referrals", "% of victims".'
    )
    measure = models.CharField(max_length=12, choices=Measure.choices, default=Measure.COUNT)
    polarity = models.CharField(max_length=6, choices=Polarity.choices, default=Polarity.HIGHER)
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.QUARTERLY
    )
    sensitive = models.BooleanField(
        default=False,
        help_text="Data about people: counts from 1 to 4 are shown as <5 in anything published.",
    )
    baseline_value = _value_field("Baseline value", null=True, blank=True)
    baseline_period = models.CharField(
        max_length=20, blank=True, help_text="As written, e.g. 2021/22 Q4 or 2023-01."
    )
    baseline_text = models.TextField(blank=True)
    target_value = _value_field("Target value", null=True, blank=True)
    target_kind = models.CharField(max_length=12, choices=TargetKind.choices, blank=True)
    target_periods = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Cumulative: the periods it is to be reached in (72 by Q3 -> 3). "
        "Annual: the periods in the year (4 for a quarterly indicator). Blank otherwise.",
    )
    target_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="The financial year the target is for, by its first year (2023 = 2023/24); "
        "blank = every year.",
    )
    target_text = models.TextField(blank=True, help_text="The target as the papers word it.")
    tolerance_percent = _value_field(
        "Tolerance (%)",
        null=True,
        blank=True,
        help_text="How far short of the target (as a % of it) is still amber; blank = none.",
    )
    definition = models.TextField(blank=True)
    source = models.TextField(blank=True)
    objectives = models.ManyToManyField(Objective, blank=True, related_name="indicators")
    actions = models.ManyToManyField(Action, blank=True, related_name="indicators")
    reporting_from = models.CharField(
        max_length=20,
        blank=True,
        help_text="The first period a return is expected for (e.g. 2023/24 Q1); "
        "blank = from the first return.",
    )
    returns_due_days = models.PositiveSmallIntegerField(
        default=20, help_text="A return is due this many days after its period ends."
    )
    active = models.BooleanField(default=True, help_text="Returns are still expected.")

    class Meta:
        ordering = ["owner__short_name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "code"], name="indicator_code_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def period(self, label: str) -> Period:
        """The period ``label`` names, in this indicator's frequency (PeriodError if not)."""
        return parse_period(label, self.frequency)

    def first_expected(self) -> Period | None:
        return self.period(self.reporting_from) if self.reporting_from else None

    def target(self) -> Target | None:
        if self.target_value is None or not self.target_kind:
            return None
        periods = None if self.target_kind == TargetKind.PER_PERIOD else self.target_periods
        return Target(self.target_value, self.target_kind, periods)

    def clean(self) -> None:
        errors = {}
        if self.code in RESERVED_CODES:
            errors["code"] = f"'{self.code}' is the name of a page; choose another code."
        if self.reporting_from:
            try:
                self.period(self.reporting_from)
            except PeriodError as exc:
                errors["reporting_from"] = str(exc)
        if self.target_value is not None:
            if not self.target_kind:
                errors["target_kind"] = "Choose how the target relates to the periods."
            elif self.target_kind == TargetKind.ANNUAL and not self.target_periods:
                self.target_periods = PERIODS_PER_YEAR[self.frequency]
            try:
                self.target()
            except ValueError as exc:
                errors.setdefault("target_periods", str(exc))
        if errors:
            raise ValidationError(errors)


class Return(models.Model):
    """One indicator's value for one period, with its author; changed, never deleted."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="returns")
    period = models.CharField(max_length=20, help_text="The period's label, e.g. 2023/24 Q3.")
    period_start = models.DateField()
    period_end = models.DateField()
    value = _value_field("Value")
    note = models.TextField(blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="kpi_returns",
    )
    entered_at = models.DateTimeField(
        default=timezone.now, help_text="When the return was first entered (for lateness)."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["indicator", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period_start"], name="return_period_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.name}, {self.period}"

    @property
    def value_text(self) -> str:
        return plain_number(self.value)
