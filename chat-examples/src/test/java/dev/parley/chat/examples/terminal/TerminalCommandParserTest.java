package dev.parley.chat.examples.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TerminalCommandParserTest {
    private final TerminalCommandParser parser = new TerminalCommandParser();

    @Test
    void commandsWithoutArguments_parseToTheirCommand() {
        assertThat(parser.parse("/help")).isEqualTo(new TerminalCommand.Help());
        assertThat(parser.parse("/quit")).isEqualTo(new TerminalCommand.Quit());
        assertThat(parser.parse("/rooms")).isEqualTo(new TerminalCommand.Rooms());
        assertThat(parser.parse("/leave")).isEqualTo(new TerminalCommand.Leave());
        assertThat(parser.parse("/users")).isEqualTo(new TerminalCommand.Users());
        assertThat(parser.parse("/away")).isEqualTo(new TerminalCommand.Status("away"));
        assertThat(parser.parse("/dnd")).isEqualTo(new TerminalCommand.Status("dnd"));
        assertThat(parser.parse("/online")).isEqualTo(new TerminalCommand.Status("online"));
    }

    @Test
    void commandNames_ignoreCaseAndSurroundingSpace() {
        assertThat(parser.parse("  /HELP  ")).isEqualTo(new TerminalCommand.Help());
        assertThat(parser.parse("/Join general")).isEqualTo(new TerminalCommand.Join("general"));
    }

    @Test
    void create_takesARoomAndAnOptionalTopicOfSeveralWords() {
        assertThat(parser.parse("/create lobby")).isEqualTo(new TerminalCommand.Create("lobby", ""));
        assertThat(parser.parse("/create lobby the   front door")).isEqualTo(new TerminalCommand.Create("lobby", "the   front door"));
        assertThat(parser.parse("/create")).isInstanceOf(TerminalCommand.Invalid.class);
    }

    @Test
    void join_switch_dm_takeExactlyOneName() {
        assertThat(parser.parse("/join general")).isEqualTo(new TerminalCommand.Join("general"));
        assertThat(parser.parse("/switch random")).isEqualTo(new TerminalCommand.Switch("random"));
        assertThat(parser.parse("/dm bob")).isEqualTo(new TerminalCommand.DirectMessage("bob"));
        assertThat(parser.parse("/join")).isEqualTo(new TerminalCommand.Invalid("usage: /join <room>"));
        assertThat(parser.parse("/switch a b")).isEqualTo(new TerminalCommand.Invalid("usage: /switch <room>"));
        assertThat(parser.parse("/dm")).isEqualTo(new TerminalCommand.Invalid("usage: /dm <user>"));
    }

    @Test
    void history_defaultsTo20_isCappedAt100_andRefusesWhatIsNotACount() {
        assertThat(parser.parse("/history")).isEqualTo(new TerminalCommand.History(20));
        assertThat(parser.parse("/history 5")).isEqualTo(new TerminalCommand.History(5));
        assertThat(parser.parse("/history 5000")).isEqualTo(new TerminalCommand.History(100));
        assertThat(parser.parse("/history 0")).isInstanceOf(TerminalCommand.Invalid.class);
        assertThat(parser.parse("/history many")).isInstanceOf(TerminalCommand.Invalid.class);
    }

    @Test
    void edit_reply_react_takeASeqWithOrWithoutHash_andText() {
        assertThat(parser.parse("/edit 12 fixed text")).isEqualTo(new TerminalCommand.Edit(12, "fixed text"));
        assertThat(parser.parse("/reply #7 yes, agreed")).isEqualTo(new TerminalCommand.Reply(7, "yes, agreed"));
        assertThat(parser.parse("/react 3 👍")).isEqualTo(new TerminalCommand.React(3, "👍"));
        assertThat(parser.parse("/delete #4")).isEqualTo(new TerminalCommand.Delete(4));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/edit", "/edit 12", "/edit x text", "/edit 0 text", "/edit -1 text", "/reply 3", "/react", "/delete",
            "/delete x", "/delete 99999999999999999999"})
    void seqCommands_withoutAValidSeqOrText_areInvalidWithTheirUsage(String line) {
        TerminalCommand command = parser.parse(line);
        assertThat(command).isInstanceOf(TerminalCommand.Invalid.class);
        assertThat(((TerminalCommand.Invalid) command).problem()).startsWith("usage: /");
    }

    @Test
    void plainText_isSent_andADoubleSlashSendsALeadingSlash() {
        assertThat(parser.parse("hello there")).isEqualTo(new TerminalCommand.Send("hello there"));
        assertThat(parser.parse("//shrug")).isEqualTo(new TerminalCommand.Send("/shrug"));
        assertThat(parser.parse("   ")).isEqualTo(new TerminalCommand.Nothing());
    }

    @Test
    void unknownCommands_andArgumentsWhereNoneAreTaken_areInvalid() {
        assertThat(parser.parse("/frobnicate")).isEqualTo(new TerminalCommand.Invalid("unknown command /frobnicate (try /help)"));
        assertThat(parser.parse("/quit now")).isEqualTo(new TerminalCommand.Invalid("/quit takes no arguments"));
    }

    @Test
    void help_listsEverySlashCommand() {
        String help = String.join("\n", TerminalCommandParser.HELP);
        for (String command : new String[] {"/help", "/quit", "/rooms", "/create", "/join", "/leave", "/switch", "/users",
                "/history", "/away", "/dnd", "/online", "/dm", "/edit", "/delete", "/react", "/reply"}) {
            assertThat(help).contains(command);
        }
    }
}
