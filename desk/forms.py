from crispy_forms.helper import FormHelper
from django import forms

from cohorts.access import Role
from cohorts.forms import UserChoiceField
from cohorts.selectors import users_in_role


class MoveToProductionForm(forms.Form):
    production_tl = UserChoiceField(queryset=users_in_role(Role.TL), label="Production team lead")
    note = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "move_%s")
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # on the cached agent page: the browser adds the token


class CarryOverForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        label="Why",
        help_text="For example: absent all day; exam voucher not received. Shown on the next day's board.",
    )
