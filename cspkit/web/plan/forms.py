"""Forms for the plan pages. Validation is Django's; errors keep what the person typed."""

from __future__ import annotations

from django import forms

from cspkit.web.plan.models import Objective, Rag, Recommendation, Stage

BLANK_STAGE = [("", "Not recorded")] + list(Stage.choices)
BLANK_RAG = [("", "Not rated")] + [
    (value, f"{label} - {meaning}")
    for (value, label), meaning in zip(
        Rag.choices,
        ("progressing well", "some minor barriers", "serious barriers to progress"),
        strict=True,
    )
]


class ActionEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    progress = forms.ChoiceField(label="Progress stage", choices=BLANK_STAGE, required=False)
    rag = forms.ChoiceField(
        label="Risk RAG status", choices=BLANK_RAG, required=False, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The Comment column of the VRU action plan spreadsheet: where the action "
        "stands, in a sentence or two.",
    )
    document_refs = forms.CharField(
        label="Document reference(s)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    objectives = forms.ModelMultipleChoiceField(
        label="Strategy objectives this action serves",
        required=False,
        queryset=Objective.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    recommendations = forms.ModelMultipleChoiceField(
        label="Needs assessment recommendations this action answers",
        required=False,
        queryset=Recommendation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, strategy=None, **kwargs):
        super().__init__(*args, **kwargs)
        if strategy is not None:
            self.fields["objectives"].queryset = strategy.objectives.all()
            self.fields["recommendations"].queryset = strategy.recommendations.all()
        self.fields["recommendations"].label_from_instance = lambda r: (
            f"Recommendation {r.number}: {r.text[:110]}{'...' if len(r.text) > 110 else ''}"
        )
        self.fields["objectives"].label_from_instance = lambda o: (
            f"Objective {o.number}: {o.text[:110]}{'...' if len(o.text) > 110 else ''}"
        )


class DeliveryRowForm(forms.Form):
    named_lead = forms.CharField(label="Named CSP lead", required=False, max_length=200)
    lead_organisation_text = forms.CharField(
        label="Lead organisation",
        required=False,
        max_length=200,
        help_text="Short names separated by commas, e.g. Police, CST.",
    )
    start = forms.DateField(
        label="Start date",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    end = forms.DateField(
        label="End date",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    supporting = forms.CharField(
        label="Supporting organisation(s)", required=False, widget=forms.Textarea(attrs={"rows": 1})
    )
    local_outcomes = forms.CharField(
        label="Local outcomes", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date must be the same as or after the start date.")
        return data


DeliveryRowFormSet = forms.formset_factory(DeliveryRowForm, extra=0, can_delete=True)


class UpdateForm(forms.Form):
    text = forms.CharField(
        label="What has happened since the last update?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the progress update."},
    )
    progress = forms.ChoiceField(
        label="Progress stage now (leave unchanged if it has not moved)",
        choices=[("", "Unchanged")] + list(Stage.choices),
        required=False,
    )
    rag = forms.ChoiceField(
        label="Risk RAG status now",
        choices=[("", "Unchanged")] + BLANK_RAG[1:],
        required=False,
    )


class PlanFilterForm(forms.Form):
    organisation = forms.ChoiceField(label="Lead organisation", required=False)
    lead = forms.ChoiceField(label="Named lead", required=False)
    rag = forms.ChoiceField(
        label="RAG",
        required=False,
        choices=[("", "Any"), ("none", "Not rated")] + list(Rag.choices),
    )
    stage = forms.ChoiceField(
        label="Stage",
        required=False,
        choices=[("", "Any"), ("none", "Not recorded")] + list(Stage.choices),
    )
    objective = forms.ChoiceField(label="Objective", required=False)
    overdue = forms.BooleanField(label="Only overdue actions", required=False)
    group = forms.ChoiceField(
        label="Group by", required=False, choices=[("theme", "Theme"), ("objective", "Objective")]
    )

    def __init__(self, *args, organisations=(), leads=(), objectives=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", "Any")] + [
            (str(o.pk), o.short_name) for o in organisations
        ]
        self.fields["lead"].choices = [("", "Any")] + [(name, name) for name in leads]
        self.fields["objective"].choices = [("", "Any")] + [
            (str(o.number), f"Objective {o.number}") for o in objectives
        ]
