"""Forms of the indicator pages. The figures are checked by :mod:`validation` (the same check
as an upload), so these only carry what was typed."""

from __future__ import annotations

from django import forms

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class ReturnForm(forms.Form):
    period = forms.CharField(widget=forms.HiddenInput, max_length=20)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    value = forms.CharField(
        label="Value",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "input input-short"}),
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Anything the board needs to read the figure: what it covers, why it moved.",
    )

    def __init__(self, *args, indicator=None, **kwargs):
        super().__init__(*args, **kwargs)
        if indicator is not None:
            hint = {
                "count": f"A whole number of {indicator.unit}, like 18.",
                "percentage": "A percentage from 0 to 100, like 66 (not 0.66).",
                "rate": f"In {indicator.unit}, like 4.5.",
            }[indicator.measure]
            self.fields["value"].help_text = hint


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a return file",
        help_text="The return template filled in, as CSV (.csv) or Excel (.xlsx). Up to 5 MB.",
        error_messages={
            "required": "Select the return file (.csv or .xlsx) to upload",
            "empty": "The selected file is empty",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The selected file must be smaller than 5 MB")
        return upload
