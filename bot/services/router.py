"""Routes an inbound event to the feature it belongs to, from the features' merged tables.

Like python-telegram-bot's ordered handler list, each feature declares its routes (commands,
choices, steps) and the router only merges them, in this order of precedence for typed text:
1. a slash command (a command typed during the setup is kept for after, unless it is a setup
   command such as /language);
2. the key or label of an option on screen (or the key of one that stays, like a card's "m1");
3. a safety check: a message that needs human help gets the hand-off, whatever the step;
4. the step's own reading of text (an answer, a note; at the setup questions, a language or
   side named in words); during the setup, anything else is kept for after it;
5. free text outside any step: the question goes to the knowledge feature.
Pausing is applied here once, from each route's declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from bot.domain.dialogue import Choice, Inbound, Reply, ReplyKind, Start
from bot.domain.text import clean_input, fold, looks_like_key
from bot.services.assessment import routes as assessment
from bot.services.cohorts import routes as cohorts
from bot.services.conversation import core, zone
from bot.services.conversation.options import MenuDoor
from bot.services.conversation.protocol import Flow, OptionValue, decode
from bot.services.conversation.routes import Choose, Command, Feature, Payload, Step
from bot.services.conversation.state import Shown
from bot.services.conversation.turn import Turn
from bot.services.knowledge import routes as knowledge
from bot.services.meetings import routes as meetings
from bot.services.privacy import routes as privacy
from bot.services.progress import routes as progress

Replies = list[Reply]
SafetyCheck = Callable[[Turn, str], Replies | None]


class RouteTable:
    """The merged routes of every feature; a name declared twice is a programming error."""

    def __init__(self, features: Iterable[Feature]) -> None:
        self.features = tuple(features)
        self.commands: dict[str, Command] = {}
        self.aliases: dict[str, str] = {}
        self.choices: dict[type[OptionValue], Choose[Any]] = {}
        self.steps: dict[Flow, Step] = {}
        self.payloads: list[Payload] = []
        for feature in self.features:
            self._merge(feature)
        answering = [f.free_text for f in self.features if f.free_text is not None]
        if len(answering) != 1:
            raise ValueError("exactly one feature must answer free text")
        self.free_text = answering[0]
        self.safety: SafetyCheck | None = next(
            (f.safety for f in self.features if f.safety is not None), None
        )

    def _merge(self, feature: Feature) -> None:
        for command in feature.commands:
            _add(self.commands, command.name, command, feature)
            for alias in command.aliases:
                _add(self.aliases, alias, command.name, feature)
        for choice in feature.choices:
            _add(self.choices, choice.value, choice, feature)
        for step in feature.steps:
            _add(self.steps, step.flow, step, feature)
        self.payloads += feature.payloads

    def command(self, word: str) -> Command | None:
        """The command a typed word names (`/test` and `/check@TrustCoachBot` included)."""
        name = word.casefold().split("@")[0]
        return self.commands.get(self.aliases.get(name, name))


def _add(table: dict[Any, Any], key: object, value: object, feature: Feature) -> None:
    if key in table:
        raise ValueError(f"{feature.name} declares {key!r}, which another feature declares")
    table[key] = value


class Router:
    """Handles one event for one turn; implements the Navigator the steps call back."""

    def __init__(self, features: Iterable[Feature]) -> None:
        builtins = Feature(
            name="router",
            commands=(
                Command(
                    "start", self._cmd_start, pauses=False, before_setup=True, before_language=True
                ),
                Command(
                    "cancel",
                    self._cmd_cancel,
                    aliases=("annuler",),
                    pauses=False,
                    before_setup=True,
                    before_language=True,
                ),
            ),
            choices=(Choose(MenuDoor, self._choose_door),),
        )
        self.table = RouteTable([builtins, *features])

    # --- the Navigator ------------------------------------------------------------------------

    def prompt(self, turn: Turn) -> Replies:
        """Repeat the question the conversation is waiting on (the menu when idle)."""
        step = self.table.steps.get(turn.flow)
        return step.prompt(turn) if step is not None else core.menu(turn)

    def dispatch(self, turn: Turn, text: str) -> Replies:
        """Handle text as if it had just been typed."""
        return self.on_text(turn, text)

    def position(self, turn: Turn) -> str | None:
        """Where the sequence on screen stands, if the step is one."""
        step = self.table.steps.get(turn.flow)
        return step.position(turn) if step is not None and step.position else None

    # --- events --------------------------------------------------------------------------------

    def handle(self, turn: Turn, event: Inbound) -> Replies:
        """Return the coach's replies to one event, and record what they put on screen."""
        turn.navigator = self
        replies = self._route(turn, event)
        turn.conversation.show(replies)
        turn.save_state()
        return replies

    def _route(self, turn: Turn, event: Inbound) -> Replies:
        if isinstance(event, Start):
            return self.on_start(turn, event)
        if isinstance(event, Choice):
            return self.on_choice(turn, event.option_id)
        if not turn.user.state:
            return self._first_message(turn, clean_input(event.text))
        return self.on_text(turn, event.text)

    def _first_message(self, turn: Turn, text: str) -> Replies:
        """Someone writes before /start: greet and set up, keeping what they asked for after."""
        command = (
            self.table.command(text[1:].split(" ", maxsplit=1)[0]) if text.startswith("/") else None
        )
        if command is not None and command.before_setup:
            replies = self.on_text(turn, text)
            setup = core.in_setup(turn) and turn.flow not in (Flow.LANGUAGE, Flow.ROLE)
            return [*replies, *core.setup_prompt(turn)] if setup else replies
        handoff = self._safety(turn, text) if text and not text.startswith("/") else None
        if handoff is not None:
            return handoff
        if text and not core.is_small_talk(text):
            turn.conversation.pending = text
        return self.on_start(turn, Start())

    def on_start(self, turn: Turn, event: Start) -> Replies:
        """Greet a new user (asking what the channel did not say) or welcome one back."""
        user = turn.user
        is_new = not user.language_confirmed and user.role is None
        if event.language is not None and not (event.language_is_hint and user.language_confirmed):
            user.language = event.language
            user.language_confirmed = True
        if event.role is not None:
            user.role = event.role
        payload = self._payload(turn, event.payload or "")
        if payload is not None:
            # An invitation link: its question comes first, the setup can follow.
            return [turn.reply("welcome"), *payload] if is_new else payload
        if not user.language_confirmed:
            return core.ask_language(turn)
        if user.role is None:
            return [turn.reply("welcome"), *core.ask_role(turn)]
        if is_new or turn.flow in (Flow.LANGUAGE, Flow.ROLE):
            return core.finish_setup(turn, [turn.reply("welcome")])
        step = self.table.steps.get(turn.flow)
        if step is not None and not step.idle:
            return [turn.reply("welcome_back_paused"), *step.prompt(turn)]
        return self._welcome_back(turn)

    def _payload(self, turn: Turn, text: str) -> Replies | None:
        for payload in self.table.payloads:
            if not text.casefold().startswith(payload.prefix):
                continue
            if not turn.user.language_confirmed and payload.command:
                # Asked in a language the person may not read: the language first, then this.
                turn.conversation.pending = f"/{payload.command} {text}"
                return core.ask_language(turn)
            return payload.run(turn, text)
        return None

    def _welcome_back(self, turn: Turn) -> Replies:
        news = [reply for f in self.table.features for hook in f.on_return for reply in hook(turn)]
        if news:
            # One thing at a time: the news asks its own question (a meeting to debrief), so the
            # day's mood waits for another visit and a typed answer goes to what was asked.
            return [turn.reply("welcome_back"), *news]
        for feature in self.table.features:
            question = feature.return_prompt(turn) if feature.return_prompt else []
            if question:
                # The day's question: one tap, and free text or any command simply moves on.
                return [turn.reply("welcome_back"), *news, *question]
        return [turn.reply("welcome_back"), *core.menu(turn)]

    def on_text(self, turn: Turn, raw: str) -> Replies:
        """Handle typed text, in the order of precedence the module describes."""
        text = clean_input(raw)
        if not text:
            return self.notice(turn, "empty_message")
        if text.startswith("/"):
            return self.on_command(turn, text)
        shown = turn.conversation.typed(" ".join(fold(text).split()), by_label=True)
        if shown is None:
            shown = self._yes_or_no(turn, text)
        if shown is not None:
            return self.on_choice(turn, shown.id)
        return self._safety(turn, text) or self._read(turn, text)

    def _yes_or_no(self, turn: Turn, text: str) -> Shown | None:
        """At a yes-or-no question, "oui" chooses its first option and "non merci" its second."""
        step = self.table.steps.get(turn.flow)
        # The question's own two options; cards shown with it (which stay) are not answers.
        answers = [shown for shown in turn.conversation.screen if not shown.stays]
        if step is None or not step.yes_no or len(answers) != 2:
            return None
        answer = core.yes_or_no(text)
        return answers[answer] if answer is not None else None

    def _read(self, turn: Turn, text: str) -> Replies:
        """Text that is neither a command nor an option: the step reads it, or it is a question."""
        step = self.table.steps.get(turn.flow)
        if step is not None and step.read is not None:
            return step.read(turn, text) or self.stale(turn)
        if core.in_setup(turn):
            return core.keep_for_later(turn, text)
        if looks_like_key(text):
            return self.notice(turn, "not_on_screen")
        door = core.door_named(turn, text)
        if door is not None:  # a menu door typed by its name, though the menu has scrolled away
            return self.run_command(turn, self.table.commands[door], "")
        return self.table.free_text(turn, text)

    def _safety(self, turn: Turn, text: str) -> Replies | None:
        """Distress gets the human hand-off at once, whatever step the conversation is in."""
        check = self.table.safety
        handoff = check(turn, text) if check is not None else None
        if handoff is None:
            return None
        if not core.in_setup(turn):
            self.pause(turn)  # what was under way waits, silently: the person comes first
            turn.go(Flow.MENU)
        return handoff

    def on_choice(self, turn: Turn, option_id: str) -> Replies:
        """Handle the choice of an offered option; a stale or forged one changes nothing."""
        value = decode(option_id)
        route = self.table.choices.get(type(value)) if value is not None else None
        if route is None:
            return self.stale(turn)
        paused = self.pause(turn) if route.pauses else None
        replies = route.run(turn, value)
        if replies is None:
            return self.stale(turn)
        return [paused, *replies] if paused else replies

    def on_command(self, turn: Turn, text: str) -> Replies:
        """Run a slash command, pausing the step on screen first if the command leaves it."""
        word, _, argument = text[1:].partition(" ")
        command = self.table.command(word)
        if command is None:
            return self.notice(turn, "unknown_command", command="/" + word[:30])
        # What follows a command ("/ask …", a reflection) is the person's own words: safety first.
        handoff = self._safety(turn, argument.strip()) if argument.strip() else None
        return handoff or self.run_command(turn, command, argument.strip())

    def run_command(self, turn: Turn, command: Command, argument: str) -> Replies:
        """Run a command as declared: kept during the setup, pausing the step it leaves."""
        language_known = turn.user.language_confirmed
        if core.in_setup(turn) and not (
            command.before_setup and (language_known or command.before_language)
        ):
            turn.conversation.pending = f"/{command.name} {argument}".strip()
            return core.setup_prompt(turn)
        paused = self.pause(turn) if command.leaves_step(turn) else None
        replies = command.run(turn, argument)
        return [paused, *replies] if paused else replies

    def pause(self, turn: Turn) -> Reply | None:
        """Pause the step on screen, if it keeps something to come back to, and say so."""
        step = self.table.steps.get(turn.flow)
        notice = step.pause(turn) if step is not None and step.pause is not None else None
        if notice is not None:
            turn.go(Flow.MENU)
        return notice

    def stale(self, turn: Turn) -> Replies:
        """Answer a button that no longer matches the conversation, and show where it stands."""
        if turn.flow is Flow.LANGUAGE:
            return self.prompt(turn)  # nothing can be said before the language is known
        notice = turn.reply("stale_option", kind=ReplyKind.STALE)
        return [notice, *self.prompt(turn)]

    def notice(self, turn: Turn, key: str, command: str = "") -> Replies:
        """A short notice in the user's language, then the question the conversation waits on."""
        if turn.flow is Flow.LANGUAGE:
            return self.prompt(turn)
        return [turn.reply(key, command=command), *self.prompt(turn)]

    # --- built-in routes -------------------------------------------------------------------

    def _cmd_start(self, turn: Turn, _argument: str) -> Replies:
        return self.on_start(turn, Start())

    def _cmd_cancel(self, turn: Turn, _argument: str) -> Replies:
        """Pause what is under way (it waits to be resumed), or say there is nothing to cancel."""
        if core.in_setup(turn):
            turn.conversation.pending = None
            return self.notice(turn, "nothing_to_cancel")
        paused = self.pause(turn)
        if paused is not None:
            return [paused]
        step = self.table.steps.get(turn.flow)
        key = "nothing_to_cancel" if step is None or step.idle else step.cancel_key
        return [turn.reply(key), *core.menu(turn)]

    def _choose_door(self, turn: Turn, door: MenuDoor) -> Replies | None:
        doors = (*core.MENU_DOORS, *core.TRAINER_DOORS, "menu")
        command = self.table.commands.get(door.door) if door.door in doors else None
        return self.run_command(turn, command, "") if command is not None else None


FEATURES: tuple[Feature, ...] = (
    core.FEATURE,
    zone.FEATURE,
    assessment.FEATURE,
    progress.FEATURE,
    knowledge.FEATURE,
    meetings.FEATURE,
    cohorts.FEATURE,
    privacy.FEATURE,
)
ROUTER = Router(FEATURES)


def handle(turn: Turn, event: Inbound) -> Replies:
    """Return the coach's replies to one event (see Router.handle)."""
    return ROUTER.handle(turn, event)
