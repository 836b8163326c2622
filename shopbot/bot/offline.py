"""The offline responder: a deterministic shop assistant that needs no network.

It is the default when no Anthropic key is configured, so a newcomer's laptop answers
chat with real products. It pulls the product words and a price cap out of the message,
reuses the previous product query for follow-ups ("anything cheaper?", "show me more"),
runs the same `search_products` tool Claude uses, and names the top products with
prices. The same message and history always give the same reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from . import BotReply
from .tools import DEFAULT_LIMIT, MAX_LIMIT, format_price, search_products

if TYPE_CHECKING:
    from ..context import Turn
    from ..search import Product, ProductSearch

_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?"
# "under $50", "below 100 dollars", "less than 80", "up to $1,200", "budget of 60", "max 40"
_CAP_BEFORE = re.compile(
    r"\b(?:under|below|less than|cheaper than|lower than|no more than|not more than|at most|up to|"
    r"within|max(?:imum)?(?: of)?|budget(?: of| is)?)\s*(?:a |an )?\$?\s*" + _NUMBER
    + r"(?:\s*(?:dollars?|usd|bucks)\b)?"
)
# "$50 or less", "60 dollars max", "40 bucks tops"
_CAP_AFTER = re.compile(
    r"\$?\s*" + _NUMBER + r"\s*(?:dollars?|usd|bucks)?\s*(?:or less|or under|or below|max(?:imum)?|tops)\b"
)
# "any in size 10?", "anything with noise cancelling?", "what about in black?": narrows the last query
_REFINEMENT = re.compile(
    r"^\W*(?:(?:what|how) about\s+)?(?:(?:do you have|have you got|is there|are there)\s+)?"
    r"(?:any(?:thing| ones?)?|some(?:thing| ones?)?|ones?)?\s*(?:in|with|without)\s+\w"
)
_WORD = re.compile(r"[a-z0-9]+(?:['\-][a-z0-9]+)*")

_GREETINGS = frozenset({"hi", "hello", "hey", "hiya", "howdy", "yo", "greetings", "morning", "afternoon",
                        "evening"})
_THANKS = frozenset({"thanks", "thank", "thx", "ty", "cheers"})
_MORE = frozenset({"more", "else", "other", "others", "another", "alternatives", "alternative", "options"})
_CHEAPER = frozenset({"cheaper", "cheapest"})
# Words that carry no product meaning: requests, pronouns, politeness, follow-up markers.
_FILLER_WORDS = """
    i i'm im i'd id i've me my mine we we're us our you you're your a an the some any anything something
    for to of with and or in on at by is are am be been it its it's this that these those there here what
    what's whats which who do does did can could would will should shall may might please pls plz just
    really very quite looking look searching search find show see get buy purchase want wanna need like
    love recommend suggest suggestions have got help shopping shop ideas idea one ones thing things stuff
    good great nice best new how about maybe kind sort type price priced prices budget cost costs dollar
    dollars usd bucks cheap affordable inexpensive hmm ok okay so well also too again now then much many
    all most no not around if but as from out similar less expensive lower else yes yeah sure oh um uh
    let let's lets tell give sell selling sells offer even still way bit little slightly lot
    likes loves wants needs who
"""
_FILLER = frozenset(_FILLER_WORDS.split()) | _GREETINGS | _THANKS | _MORE | _CHEAPER


@dataclass(frozen=True)
class ParsedMessage:
    """What a shopper's message asks for, as far as simple rules can tell."""

    query: str
    max_price: float | None
    greeting: bool = False
    thanks: bool = False
    wants_more: bool = False
    wants_cheaper: bool = False
    refines: bool = False


def parse_message(message: str) -> ParsedMessage:
    """Product words (filler dropped), price cap and intent markers of one message."""
    text = message.lower().replace("\u2019", "'")
    max_price = None
    for pattern in (_CAP_BEFORE, _CAP_AFTER):
        match = pattern.search(text)
        if match:
            whole, cents = match.group(1).replace(",", ""), match.group(2) or "0"
            max_price = float(f"{whole}.{cents}")
            text = text[: match.start()] + " " + text[match.end():]
            break
    words = _WORD.findall(text)
    query = " ".join(w for w in words if w not in _FILLER)
    unique = set(words)
    return ParsedMessage(
        query=query,
        max_price=max_price,
        greeting=bool(unique & _GREETINGS),
        thanks=bool(unique & _THANKS),
        wants_more=bool(unique & _MORE),
        wants_cheaper=bool(unique & _CHEAPER) or "less expensive" in text,
        refines=bool(_REFINEMENT.match(text)),
    )


def last_product_request(history: list[Turn]) -> ParsedMessage | None:
    """The product request the conversation is on: the newest product named, narrowed by
    later refinements ("any in black?") and re-budgeted by later caps ("under $60?")."""
    current: ParsedMessage | None = None
    for turn in history:
        if turn.role != "user":
            continue
        parsed = parse_message(turn.content)
        if current is not None and parsed.refines and parsed.query:
            current = _narrow(current, parsed)
        elif parsed.query:
            current = parsed
        elif current is not None and parsed.max_price is not None:
            current = replace(current, max_price=parsed.max_price)
    return current


def _narrow(previous: ParsedMessage, refinement: ParsedMessage) -> ParsedMessage:
    cap = refinement.max_price if refinement.max_price is not None else previous.max_price
    return replace(previous, query=f"{previous.query} {refinement.query}", max_price=cap)


class OfflineResponder:
    """A `Bot` with rules instead of a model: deterministic, instant, offline."""

    def __init__(self, search: ProductSearch) -> None:
        self.search = search

    def reply(self, message: str, history: list[Turn], deadline: float) -> BotReply:
        """Answer from rules; `deadline` is irrelevant here (no network, no waiting)."""
        parsed = parse_message(message)
        previous = last_product_request(history)
        is_follow_up = (parsed.wants_more or parsed.wants_cheaper or parsed.max_price is not None) and (
            not parsed.query or (previous is not None and previous.query == parsed.query)
        )
        if is_follow_up and previous is not None:
            return self._follow_up(parsed, previous, history)
        if parsed.refines and parsed.query and previous is not None:
            narrowed = _narrow(previous, parsed)
            return self._answer(narrowed.query, narrowed.max_price, greet=False)
        if parsed.query:
            return self._answer(parsed.query, parsed.max_price, greet=parsed.greeting)
        if parsed.max_price is not None:
            return BotReply(f"Happy to stay under {_money(parsed.max_price)}. "
                            "What kind of product are you looking for?")
        if parsed.thanks:
            return BotReply("You're welcome! Is there anything else I can help you find?")
        if parsed.greeting:
            return BotReply("Hi! I'm Shopbot, your shopping assistant. Tell me what you're looking for "
                            "(for example \"running shoes under $100\") and I'll suggest some products.")
        return BotReply("What are you shopping for? Tell me a product and, if you like, a budget "
                        "(for example \"a backpack under $80\").")

    def _answer(self, query: str, max_price: float | None, greet: bool) -> BotReply:
        products = search_products(self.search, query, DEFAULT_LIMIT, max_price)
        cap = f" under {_money(max_price)}" if max_price is not None else ""
        hello = "Hi! " if greet else ""
        if not products:
            advice = "other words or a higher budget" if max_price is not None else "other words"
            return BotReply(f"{hello}Sorry, I couldn't find anything for \"{query}\"{cap}. Try {advice}.")
        heading = f"{hello}Here are my top picks for \"{query}\"{cap}:"
        return BotReply(_compose(heading, products), products)

    def _follow_up(self, parsed: ParsedMessage, previous: ParsedMessage, history: list[Turn]) -> BotReply:
        query = previous.query
        cap = parsed.max_price if parsed.max_price is not None else previous.max_price
        candidates = search_products(self.search, query, MAX_LIMIT, cap)
        if parsed.wants_cheaper and parsed.max_price is None:
            top = _top_pick(candidates, history)
            if top is not None:
                products = [p for p in candidates if p.price < top.price][:DEFAULT_LIMIT]
                if not products:
                    return BotReply(f"That's the most affordable I have for \"{query}\": nothing is "
                                    f"cheaper than {top.name} at {format_price(top)}. "
                                    "Want to try something else?")
                heading = f"Here are cheaper options for \"{query}\" (under {format_price(top)}):"
                return BotReply(_compose(heading, products), products)
        if parsed.wants_more:
            said = " ".join(t.content.lower() for t in history if t.role == "assistant")
            products = [p for p in candidates if p.name.lower() not in said][:DEFAULT_LIMIT]
            if not products:
                return BotReply(f"That's everything I have for \"{query}\". Want to try something else?")
            heading = f"Here are more options for \"{query}\":"
            return BotReply(_compose(heading, products), products)
        return self._answer(query, cap, greet=parsed.greeting)


def _top_pick(candidates: list[Product], history: list[Turn]) -> Product | None:
    """The first of `candidates` named in the newest assistant turn that names any of them."""
    for turn in reversed(history):
        if turn.role != "assistant":
            continue
        said = turn.content.lower()
        named = [(said.index(p.name.lower()), p) for p in candidates if p.name.lower() in said]
        if named:
            return min(named, key=lambda pair: pair[0])[1]
    return None


def _compose(heading: str, products: list[Product]) -> str:
    lines = [heading]
    for number, product in enumerate(products, start=1):
        details = f"{format_price(product)}"
        if product.rating:
            details += f", rated {product.rating:.1f}/5"
        if not product.in_stock:
            details += ", currently out of stock"
        lines.append(f"{number}. {product.name} by {product.brand} - {details}")
    lines.append("Want something cheaper, or shall I show you more?")
    return "\n".join(lines)


def _money(amount: float) -> str:
    return f"${amount:,.0f}" if amount == int(amount) else f"${amount:,.2f}"
