"""The offline responder: what a shopper gets with no API key and no network."""

from __future__ import annotations

import pytest

from shopbot.bot.offline import OfflineResponder, parse_message
from shopbot.context import Turn
from tests.fakes import ListSearch

NO_DEADLINE = 0.0  # the offline responder never waits, so any deadline will do


def conversation(bot: OfflineResponder, *messages: str) -> list[Turn]:
    """Play `messages` through the bot, returning the history as the service would store it."""
    history: list[Turn] = []
    for message in messages:
        reply = bot.reply(message, history, NO_DEADLINE)
        history += [Turn("user", message, 0.0), Turn("assistant", reply.text, 0.0)]
    return history


@pytest.fixture
def search() -> ListSearch:
    return ListSearch()


@pytest.fixture
def bot(search: ListSearch) -> OfflineResponder:
    return OfflineResponder(search)


@pytest.mark.parametrize(
    ("message", "query"),
    [
        ("I'm looking for wireless headphones", "wireless headphones"),
        ("Show me a tent, please!", "tent"),
        ("Hi there, can you recommend some running shoes?", "running shoes"),
        ("do you have any backpacks", "backpacks"),
        ("I\u2019d like a 30L backpack", "30l backpack"),
        ("Under Armour shoes", "under armour shoes"),  # "under" without an amount is a word
    ],
)
def test_the_product_words_are_picked_out(message: str, query: str) -> None:
    assert parse_message(message).query == query


@pytest.mark.parametrize(
    ("message", "cap"),
    [
        ("headphones under $50", 50.0),
        ("shoes below 100", 100.0),
        ("a tent for less than 80 dollars", 80.0),
        ("laptop up to $1,200", 1200.0),
        ("earbuds, $45.50 or less", 45.5),
        ("backpack with a budget of 60", 60.0),
        ("headphones", None),
    ],
)
def test_a_price_cap_is_understood(message: str, cap: float | None) -> None:
    parsed = parse_message(message)
    assert parsed.max_price == cap
    if cap is not None:
        assert not any(ch.isdigit() for ch in parsed.query)  # the amount is not a search word


def test_a_product_request_names_the_top_products_with_prices(bot: OfflineResponder) -> None:
    reply = bot.reply("I'm looking for headphones", [], NO_DEADLINE)

    assert [p.id for p in reply.products] == ["hp-1", "hp-2", "hp-3", "hp-4"]
    assert reply.text.splitlines()[0] == 'Here are my top picks for "headphones":'
    assert "1. Aurora Wireless Headphones by Sonique - $129.00, rated 4.6/5" in reply.text
    assert "Budget Buds Headphones by Acoustix - $19.99, rated 3.9/5, currently out of stock" in reply.text


def test_the_price_cap_filters_the_products(bot: OfflineResponder) -> None:
    reply = bot.reply("show me headphones under $60", [], NO_DEADLINE)

    assert [p.id for p in reply.products] == ["hp-2", "hp-4"]
    assert 'for "headphones" under $60:' in reply.text
    assert "Aurora" not in reply.text


def test_a_greeting_gets_a_helpful_prompt_and_no_search(bot: OfflineResponder, search: ListSearch) -> None:
    reply = bot.reply("Hello!", [], NO_DEADLINE)

    assert reply.text.startswith("Hi! I'm Shopbot")
    assert "what you're looking for" in reply.text
    assert reply.products == [] and search.queries == []


def test_a_greeting_with_a_product_answers_the_product(bot: OfflineResponder) -> None:
    reply = bot.reply("hey, any tents?", [], NO_DEADLINE)

    assert reply.text.startswith('Hi! Here are my top picks for "tent')
    assert [p.id for p in reply.products] == ["tn-1"]
    assert "249.00 EUR" in reply.text


@pytest.mark.parametrize("message", ["", "   ", "please", "can you help me?"])
def test_no_product_words_asks_what_they_want(bot: OfflineResponder, message: str) -> None:
    reply = bot.reply(message, [], NO_DEADLINE)

    assert reply.text.startswith("What are you shopping for?")
    assert reply.products == []


def test_a_budget_alone_asks_for_the_product(bot: OfflineResponder) -> None:
    reply = bot.reply("something under $50", [], NO_DEADLINE)

    assert reply.text == "Happy to stay under $50. What kind of product are you looking for?"


def test_thanks_is_answered_politely(bot: OfflineResponder) -> None:
    assert bot.reply("thanks!", [], NO_DEADLINE).text.startswith("You're welcome!")


def test_nothing_found_says_so_and_suggests_what_to_change(bot: OfflineResponder) -> None:
    plain = bot.reply("a submarine", [], NO_DEADLINE)
    capped = bot.reply("tent under $20", [], NO_DEADLINE)

    assert plain.text == 'Sorry, I couldn\'t find anything for "submarine". Try other words.'
    assert capped.text == ('Sorry, I couldn\'t find anything for "tent" under $20. '
                           "Try other words or a higher budget.")
    assert plain.products == capped.products == []


def test_anything_cheaper_reuses_the_last_query_below_the_top_pick(bot: OfflineResponder) -> None:
    history = conversation(bot, "show me headphones")  # top pick: Aurora at $129

    reply = bot.reply("anything cheaper?", history, NO_DEADLINE)

    assert reply.text.startswith('Here are cheaper options for "headphones" (under $129.00):')
    assert [p.id for p in reply.products] == ["hp-2", "hp-3", "hp-4"]


def test_cheaper_again_keeps_going_down_then_says_when_it_is_the_cheapest(bot: OfflineResponder) -> None:
    history = conversation(bot, "show me headphones", "anything cheaper?")  # top pick now $59.99

    second = bot.reply("even cheaper?", history, NO_DEADLINE)
    history = conversation(bot, "show me headphones", "anything cheaper?", "even cheaper?")
    third = bot.reply("anything cheaper?", history, NO_DEADLINE)

    assert [p.id for p in second.products] == ["hp-4"]
    assert third.products == []
    assert "nothing is cheaper than Budget Buds Headphones at $19.99" in third.text


def test_show_me_more_skips_what_was_already_shown(bot: OfflineResponder) -> None:
    history = [Turn("user", "headphones", 0.0),
               Turn("assistant", "Try the Aurora Wireless Headphones or the Pulse Sport Earbuds.", 0.0)]

    reply = bot.reply("show me more", history, NO_DEADLINE)

    assert [p.id for p in reply.products] == ["hp-3", "hp-4"]
    assert reply.text.startswith('Here are more options for "headphones":')


def test_more_when_everything_was_shown(bot: OfflineResponder) -> None:
    history = conversation(bot, "any backpacks?")

    reply = bot.reply("show me more", history, NO_DEADLINE)

    assert reply.text == 'That\'s everything I have for "backpacks". Want to try something else?'


def test_a_new_budget_applies_to_the_last_query(bot: OfflineResponder) -> None:
    history = conversation(bot, "I need headphones", "thanks")

    reply = bot.reply("anything under $60?", history, NO_DEADLINE)

    assert [p.id for p in reply.products] == ["hp-2", "hp-4"]
    assert 'for "headphones" under $60' in reply.text


def test_a_new_product_is_a_new_search_not_a_follow_up(bot: OfflineResponder) -> None:
    history = conversation(bot, "show me headphones")

    reply = bot.reply("show me other stuff: tents", history, NO_DEADLINE)

    assert [p.id for p in reply.products] == ["tn-1"]


def test_a_follow_up_without_history_asks_what_they_want(bot: OfflineResponder) -> None:
    reply = bot.reply("anything cheaper?", [], NO_DEADLINE)

    assert reply.text.startswith("What are you shopping for?")


def test_same_input_gives_the_same_output(search: ListSearch) -> None:
    history = conversation(OfflineResponder(search), "hi", "wireless headphones under $100")
    first = OfflineResponder(search).reply("anything cheaper?", history, NO_DEADLINE)
    second = OfflineResponder(ListSearch()).reply("anything cheaper?", list(history), 12345.0)

    assert first == second


@pytest.mark.parametrize("message", ["any in size 10?", "anything with size 10?", "what about in size 10?"])
def test_a_refinement_narrows_the_last_query(bot: OfflineResponder, search: ListSearch, message: str) -> None:
    history = conversation(bot, "running shoes under $150")

    reply = bot.reply(message, history, NO_DEADLINE)

    assert search.queries[-1][0] == "running shoes size 10"
    assert reply.text.startswith('Here are my top picks for "running shoes size 10" under $150:')
    assert reply.products[0].id == "sh-1"


def test_follow_ups_after_a_refinement_keep_the_narrowed_query_and_budget(
    bot: OfflineResponder, search: ListSearch
) -> None:
    history = conversation(bot, "headphones", "any with wireless?", "anything under $100?")

    reply = bot.reply("show me more", history, NO_DEADLINE)

    assert search.queries[-1][0] == "headphones wireless"
    assert all(p.price <= 100 for p in reply.products)
    assert reply.text == 'That\'s everything I have for "headphones wireless". Want to try something else?'
