from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from wagtail.admin.forms import WagtailAdminModelForm


class QuestionAdminForm(WagtailAdminModelForm):
    """Checks the choices of a question against its type's rule before it is saved, so the
    admin cannot create a question that no answer can get right."""

    def clean(self):
        cleaned = super().clean()
        key, quiz = cleaned.get("key"), cleaned.get("quiz")
        if key and quiz is not None:
            from .models import Question

            if Question.objects.filter(quiz=quiz, key=key).exclude(pk=self.instance.pk).exists():
                self.add_error("key", gettext("Another question of this quiz has this key."))
        formset = self.formsets.get("choices")
        if formset is None or not formset.is_valid():
            return cleaned
        choices = [
            (form.cleaned_data.get("text", ""), bool(form.cleaned_data.get("is_correct")))
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        problem = self._meta.model.choices_problem(choices)
        if problem:
            raise ValidationError(problem)
        return cleaned


class TrueFalseQuestionAdminForm(QuestionAdminForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = self.formsets.get("choices")
        if choices is not None and not self.is_bound and self.instance.pk is None:
            # A new true / false question starts with its two choices spelled as grading
            # expects them: the editor only ticks the correct one.
            choices.initial_extra = [{"text": "True"}, {"text": "False"}]
