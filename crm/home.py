"""The home page of each role, from cards the apps contribute (DESIGN.md: role dashboards).

A lower app must not import the apps above it, so the page does not call them: each app
registers its cards in its ``AppConfig.ready()``::

    from crm import home
    from crm.permissions import FIELD_ROLES

    home.register_card(
        key="my_day",                       # the context name the card's template reads
        template="visits/_my_day.html",     # an <article> (or several) for the cards grid
        roles=FIELD_ROLES,
        context=pages.my_day_context,       # (user) -> value; None or empty hides the card
        order=10,
    )

:func:`home_cards` gives the signed-in user's cards in order with their values; the page
(``crm.views.home``, template ``home/<role>.html``) shows them before the role's static cards.
Analytics will register the role dashboards the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from crm.permissions import is_tenant_user


@dataclasses.dataclass(frozen=True)
class HomeCard:
    """A card of the home page: which roles see it, what it shows and with which template."""

    key: str
    template: str
    roles: frozenset
    context: Callable | None = None  # (user) -> value put in the page context under ``key``
    order: int = 100


_CARDS: dict[str, HomeCard] = {}


def register_card(*, key: str, template: str, roles, context: Callable | None = None, order: int = 100) -> None:
    """Add (or replace, by ``key``) a card of the home page of ``roles``."""
    _CARDS[key] = HomeCard(key=key, template=template, roles=frozenset(roles), context=context, order=order)


def registered_cards() -> list[HomeCard]:
    """Every registered card, in order."""
    return sorted(_CARDS.values(), key=lambda c: (c.order, c.key))


def home_cards(user) -> tuple[list[str], dict]:
    """(templates of ``user``'s cards in order, the context they read). A card whose context
    function returns None or an empty value is left out."""
    if not is_tenant_user(user):
        return [], {}
    templates, context = [], {}
    for card in registered_cards():
        if user.role not in card.roles:
            continue
        value = card.context(user) if card.context is not None else True
        if not value:
            continue
        templates.append(card.template)
        context[card.key] = value
    return templates, context
