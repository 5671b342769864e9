"""Form plumbing every app shares."""


class MarksInvalidFields:
    """A form mixin: after validation each field in error is marked for the eye (Bootstrap's
    is-invalid) and for assistive technology (aria-invalid, described by its message, which the
    template renders with the id `<field id>-error` beside the field)."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["aria-describedby"] = f"{self[name].auto_id}-error"
