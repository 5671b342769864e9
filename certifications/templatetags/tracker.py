from django import template

from certifications.rendering import CellKit, render_cell, render_note_cell

register = template.Library()


@register.simple_tag(takes_context=True)
def tracker_cell(context, agent, cell, can_edit):
    # render_context lasts for the whole render, unlike the layers each {% for %} pushes.
    kit = context.render_context.get("cell_kit")
    if kit is None:
        kit = context.render_context["cell_kit"] = CellKit()
    return render_cell(agent, cell, can_edit=can_edit, kit=kit)


@register.simple_tag
def note_cell(agent, note, note_day, can_edit):
    return render_note_cell(agent, note, note_day=note_day, can_edit=can_edit)
