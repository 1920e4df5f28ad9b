package org.percpudefer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.percpudefer.BadInputTable.code;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.percpudefer.BadInputTable;

/**
 * The command line's bad-input table: every option of every command, with the bad values tried and the
 * one line each gives. The rule: a user mistake exits with {@link Main#USAGE_ERROR}, prints nothing on
 * stdout and one line on stderr that names the bad value and what is allowed, then where to find help;
 * never a stack trace. The rows are the README's table ({@link #readme_holdsThisTable()}): add one here,
 * run the test, paste what it prints.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputCliTest {

    /**
     * One row: the arguments, and the line they must give, without its {@code "percpu-defer: "} prefix and
     * its {@code " (see percpu-defer ... --help)"} suffix.
     *
     * @param entry   the table's entry point (Markdown)
     * @param bad     the table's bad value (Markdown)
     * @param args    the whole command line
     * @param help    the command whose {@code --help} the line points to ({@code ""}: the top level)
     * @param status  the exit status
     * @param message what the line says (its start, where the rest depends on the platform)
     */
    record Row(String entry, String bad, String args, String help, int status, String message) {
        @Override
        public String toString() {
            return args;
        }
    }

    static List<Row> rows() {
        return List.of(
            cli("", "--cpus 0", "invalid value for option '--cpus': 0 is out of range (allowed: 1..1024)"),
            raw(code("percpu-defer"), code("frobnicate") + " (no such command)", "frobnicate", "",
                    "Unmatched argument at index 0: 'frobnicate'"),

            cli("compare", "--variants PER_PLANET", "invalid value for option '--variants': 'PER_PLANET' is not a variant"
                    + " (allowed: [NONE, PER_SOCKET, PER_CPU_LOCKED, PER_CPU_LLIST, PER_NODE, BATCHED], or all)"),
            cli("compare", "--variants=", "invalid value for option '--variants': '' is not a variant"),
            cli("compare", "--variants", "Missing required parameter for option '--variants' (V)"),
            cli("compare", "--runs 0", "invalid value for option '--runs': 0 is out of range (allowed: 1..1000)"),
            cli("compare", "--runs 1001", "invalid value for option '--runs': 1001 is out of range (allowed: 1..1000)"),
            cli("compare", "--runs x", "Invalid value for option '--runs': 'x' is not an int"),
            cli("compare", "--duration 0", "invalid value for option '--duration': 0.0 is out of range (allowed: 0.01..3600 seconds)"),
            cli("compare", "--duration NaN", "invalid value for option '--duration': NaN is out of range (allowed: 0.01..3600 seconds)"),
            cli("compare", "--duration 3601", "invalid value for option '--duration': 3601.0 is out of range (allowed: 0.01..3600 seconds)"),
            cli("compare", "--duration 0x10", "Invalid value for option '--duration': '0x10' is not a double"),
            cli("compare", "--warmup -1", "invalid value for option '--warmup': -1.0 is out of range (allowed: 0.0..3600 seconds)"),
            cli("compare", "--sample-hz 0", "invalid value for option '--sample-hz': 0 is out of range (allowed: 1..100000)"),
            cli("compare", "--sample-hz 100001", "invalid value for option '--sample-hz': 100001 is out of range (allowed: 1..100000)"),
            cli("compare", "--json /nonexistent/r.json", "invalid value for option '--json': '/nonexistent/r.json' cannot be written"
                    + " (allowed: a file in an existing, writable folder)"),
            cli("compare", "--json /proc/r.json", "invalid value for option '--json': '/proc/r.json' cannot be written"
                    + " (allowed: a file in an existing, writable folder)"),
            cli("compare", "--json .", "invalid value for option '--json': '.' cannot be written"
                    + " (allowed: a file in an existing, writable folder)"),
            cli("compare", "--plot out.gif", "invalid value for option '--plot': 'out.gif' is neither .png nor .svg"
                    + " (allowed: a .png or .svg file in an existing, writable folder)"),
            cli("compare", "--plot /nonexistent/p.svg", "invalid value for option '--plot': '/nonexistent/p.svg' cannot be written"
                    + " (allowed: a .png or .svg file in an existing, writable folder)"),
            cli("compare", "--async-profiler /dev/null", "invalid value for option '--async-profiler': '/dev/null' is a file"
                    + " (allowed: a folder, created if missing)"),
            cli("compare", "--async-profiler /dev/null/x", "invalid value for option '--async-profiler': '/dev/null/x' cannot be created"),
            cli("compare", "--no-progress=maybe", "Invalid value for option '--no-progress': 'maybe' is not a boolean"),
            cli("compare", "--cpus 0", "invalid value for option '--cpus': 0 is out of range (allowed: 1..1024)"),
            cli("compare", "--cpus 1025", "invalid value for option '--cpus': 1025 is out of range (allowed: 1..1024)"),
            cli("compare", "--cpus two", "Invalid value for option '--cpus': 'two' is not an int"),
            cli("compare", "--cpus 2147483648", "Invalid value for option '--cpus': '2147483648' is not an int"),
            cli("compare", "--cpus", "Missing required parameter for option '--cpus' (N)"),
            cli("compare", "--reader-cpu 2", "invalid value for option '--reader-cpu': 2 is out of range (allowed: 0..1, and --cpus is 2)"),
            cli("compare", "--reader-cpu 1 --cpus 1", "invalid value for option '--reader-cpu': 1 is out of range (allowed: 0..0, and --cpus is 1)"),
            cli("compare", "--defer-max -1", "invalid value for option '--defer-max': -1 is out of range (allowed: 0..1048576)"),
            cli("compare", "--defer-max 1048577", "invalid value for option '--defer-max': 1048577 is out of range (allowed: 0..1048576)"),
            cli("compare", "--gro-size 0", "invalid value for option '--gro-size': 0 is out of range (allowed: 4096..524288)"),
            cli("compare", "--gro-size 6000", "invalid value for option '--gro-size': 6000 is not a whole number of 4096-byte fragments"
                    + " (allowed: 4096, 8192, .. 524288)"),
            cli("compare", "--gro-size 1048576", "invalid value for option '--gro-size': 1048576 is out of range (allowed: 4096..524288)"),
            cli("compare", "--rcvbuf 100", "invalid value for option '--rcvbuf': 100 is out of range (allowed: 4096..268435456)"),
            cli("compare", "--rcvbuf 268435457", "invalid value for option '--rcvbuf': 268435457 is out of range (allowed: 4096..268435456)"),
            cli("compare", "--rcvbuf 1e6", "Invalid value for option '--rcvbuf': '1e6' is not a long"),
            cli("compare", "--page-pool-size -1", "invalid value for option '--page-pool-size': -1 is out of range (allowed: 0..1048576)"),
            cli("compare", "--page-pool-size 1048577", "invalid value for option '--page-pool-size': 1048577 is out of range"
                    + " (allowed: 0..1048576)"),
            cli("compare", "--lock SPIN", "Invalid value for option '--lock': expected one of [TTAS, TICKET, MCS, REENTRANT, SYNCHRONIZED]"
                    + " (case-sensitive) but was 'SPIN'"),
            cli("compare", "--lock ttas", "Invalid value for option '--lock': expected one of [TTAS, TICKET, MCS, REENTRANT, SYNCHRONIZED]"
                    + " (case-sensitive) but was 'ttas'"),
            cli("compare", "--dma NOBODY", "Invalid value for option '--dma': expected one of [HEADERS, CPU] (case-sensitive) but was 'NOBODY'"),
            cli("compare", "--pin=maybe", "Invalid value for option '--pin': 'maybe' is not a boolean"),
            raw(code("compare"), code("--bogus") + " (no such option)", "compare --bogus", "compare", "Unknown option: '--bogus'"),
            raw(code("compare"), code("extra") + " (no such parameter)", "compare extra", "compare",
                    "Unmatched argument at index 1: 'extra'"),

            cli("run", "--variant PER_PLANET", "Invalid value for option '--variant': expected one of [NONE, PER_SOCKET, PER_CPU_LOCKED,"
                    + " PER_CPU_LLIST, PER_NODE, BATCHED] (case-sensitive) but was 'PER_PLANET'"),
            cli("run", "--variant", "Missing required parameter for option '--variant' (V)"),
            cli("run", "--duration 0", "invalid value for option '--duration': 0.0 is out of range (allowed: 0.01..3600 seconds)"),
            cli("run", "--duration NaN", "invalid value for option '--duration': NaN is out of range (allowed: 0.01..3600 seconds)"),
            cli("run", "--interval 5 --duration 1", "invalid value for option '--interval': 5.0 is out of range"
                    + " (allowed: 0.01..1.0 seconds, the --duration)"),
            cli("run", "--interval 0", "invalid value for option '--interval': 0.0 is out of range (allowed: 0.01..10.0 seconds, the --duration)"),
            cli("run", "--cpus 0", "invalid value for option '--cpus': 0 is out of range (allowed: 1..1024)"),
            cli("run", "--gro-size 4097", "invalid value for option '--gro-size': 4097 is not a whole number of 4096-byte fragments"
                    + " (allowed: 4096, 8192, .. 524288)"),
            raw(code("run"), code("--json x.json") + " (an option of " + code("compare") + " only)", "run --json x.json", "run",
                    "Unknown options: '--json', 'x.json'"),

            cli("stress", "--cpus 1", "invalid value for option '--cpus': 1 is out of range (allowed: 2..1024)"),
            cli("stress", "--objects 0", "invalid value for option '--objects': 0 is out of range (allowed: 1..9223372036854775807)"),
            cli("stress", "--duration -1", "invalid value for option '--duration': -1 is out of range (allowed: 0..86400)"),
            cli("stress", "--variants PER_PLANET", "invalid value for option '--variants': 'PER_PLANET' is not a variant"
                    + " (allowed: [NONE, PER_SOCKET, PER_CPU_LOCKED, PER_CPU_LLIST, PER_NODE, BATCHED], or all)"),
            cli("stress", "--seed x", "Invalid value for option '--seed': 'x' is not a long"),

            cli("ipi-demo", "--cpus 0", "invalid value for option '--cpus': 0 is out of range (allowed: 1..1024)"),
            cli("ipi-demo", "--cpus -3", "invalid value for option '--cpus': -3 is out of range (allowed: 1..1024)"),
            cli("ipi-demo", "--cpus 1025", "invalid value for option '--cpus': 1025 is out of range (allowed: 1..1024)"),
            cli("ipi-demo", "--cpus two", "Invalid value for option '--cpus': 'two' is not an int"),
            cli("ipi-demo", "--nodes 3 --cpus 2", "invalid value for option '--nodes': 3 is out of range (allowed: 1..2, and --cpus is 2)"),
            cli("ipi-demo", "--nodes 0 --cpus 2", "invalid value for option '--nodes': 0 is out of range (allowed: 1..2, and --cpus is 2)"),
            cli("ipi-demo", "--round-trips 0", "invalid value for option '--round-trips': 0 is out of range (allowed: 1..100000000)"),
            cli("ipi-demo", "--round-trips 100000001", "invalid value for option '--round-trips': 100000001 is out of range"
                    + " (allowed: 1..100000000)"),
            cli("ipi-demo", "--round-trips 1.5", "Invalid value for option '--round-trips': '1.5' is not an int"),
            cli("ipi-demo", "--warmup -1", "invalid value for option '--warmup': -1 is out of range (allowed: 0..100000000)"),
            cli("ipi-demo", "--idle sideways", "Invalid value for option '--idle': expected one of [both, polling, parked] (case-sensitive)"
                    + " but was 'sideways'"),
            cli("ipi-demo", "--idle Parked", "Invalid value for option '--idle': expected one of [both, polling, parked] (case-sensitive)"
                    + " but was 'Parked'"),
            cli("ipi-demo", "--pairs some", "Invalid value for option '--pairs': expected one of [all, ring, auto] (case-sensitive)"
                    + " but was 'some'"),
            cli("ipi-demo", "--no-pin=maybe", "Invalid value for option '--no-pin': 'maybe' is not a boolean"),
            raw(code("ipi-demo"), code("--bogus") + " (no such option)", "ipi-demo --bogus", "ipi-demo", "Unknown option: '--bogus'"),

            cli("defer-demo", "--objects 0", "invalid value for option '--objects': 0 is out of range (allowed: 1..1000000000)"),
            cli("defer-demo", "--objects 1000000001", "invalid value for option '--objects': 1000000001 is out of range"
                    + " (allowed: 1..1000000000)"),
            cli("defer-demo", "--payload 0", "invalid value for option '--payload': 0 is out of range (allowed: 1..1048576)"),
            cli("defer-demo", "--payload 1048577", "invalid value for option '--payload': 1048577 is out of range (allowed: 1..1048576)"),
            cli("defer-demo", "--rcvbuf 0", "invalid value for option '--rcvbuf': 0 is out of range (allowed: 1..2147483647)"),
            cli("defer-demo", "--rcvbuf 2147483648", "Invalid value for option '--rcvbuf': '2147483648' is not an int"),
            cli("defer-demo", "--rcvbuf 2147483647 --payload 1", "invalid value for option '--rcvbuf': 2147483647 queues 2147483647"
                    + " buffers of --payload 1 bytes (allowed: at most 16777216 buffers, --rcvbuf <= 16777216 for this --payload)"),
            cli("defer-demo", "--defer-max -1", "invalid value for option '--defer-max': -1 is out of range (allowed: 0..2147483647)"),
            cli("defer-demo", "--defer-max x", "Invalid value for option '--defer-max': 'x' is not an int"),
            cli("defer-demo", "--runs 0", "invalid value for option '--runs': 0 is out of range (allowed: 1..100)"),
            cli("defer-demo", "--runs 101", "invalid value for option '--runs': 101 is out of range (allowed: 1..100)"),
            cli("defer-demo", "--variant PER_PLANET", "Invalid value for option '--variant' (V): expected one of [NONE, PER_SOCKET,"
                    + " PER_CPU_LOCKED, PER_CPU_LLIST, PER_NODE, BATCHED] (case-sensitive) but was 'PER_PLANET'"),
            cli("defer-demo", "--variant NONE,none", "Invalid value for option '--variant' (V): expected one of [NONE, PER_SOCKET,"
                    + " PER_CPU_LOCKED, PER_CPU_LLIST, PER_NODE, BATCHED] (case-sensitive) but was 'none'"),
            cli("defer-demo", "--lock SPIN", "Invalid value for option '--lock': expected one of [TTAS, TICKET, MCS, REENTRANT,"
                    + " SYNCHRONIZED] (case-sensitive) but was 'SPIN'"),
            cli("defer-demo", "--no-pin=maybe", "Invalid value for option '--no-pin': 'maybe' is not a boolean")
        );
    }

    /**
     * A row for an option of {@code command} ({@code ""}: none, so the main job's): {@code args} start with
     * the option and its bad value ({@code --opt value}, {@code --opt=value}, or the option alone for a
     * missing value); what follows is the context the value is bad in.
     */
    static Row cli(String command, String args, String message) {
        String[] t = args.split(" ");
        int eq = t[0].indexOf('=');
        String option = eq < 0 ? t[0] : t[0].substring(0, eq);
        String value = eq >= 0 ? t[0].substring(eq + 1) : t.length > 1 && !t[1].startsWith("--") ? t[1] : null;
        int rest = eq >= 0 || value == null ? 1 : 2;
        String context = String.join(" ", Arrays.copyOfRange(t, rest, t.length));
        String bad = (value == null ? "(missing)" : value.isEmpty() ? "(empty)" : code(value))
                + (context.isEmpty() ? "" : " with " + code(context));
        String entry = command.isEmpty() ? "(no command) " + code(option) : code(command + " " + option);
        return new Row(entry, bad, (command + " " + args).trim(), command.isEmpty() ? Main.MAIN_JOB : command,
                Main.USAGE_ERROR, message);
    }

    /** A row whose entry point and bad value are written out (an unknown option or command). */
    static Row raw(String entry, String bad, String args, String help, String message) {
        return new Row(entry, bad, args, help, Main.USAGE_ERROR, message);
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("rows")
    void badInput_oneLineNamingTheValue_exitStatus(Row row) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), row.args().split(" "));

        assertThat(status).as(err.toString()).isEqualTo(row.status());
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString().strip().lines()).as("one line, no stack trace").hasSize(1);
        assertThat(err.toString())
                .startsWith("percpu-defer: " + row.message())
                .endsWith(" (see percpu-defer " + (row.help().isEmpty() ? "" : row.help() + " ") + "--help)" + System.lineSeparator());
    }

    @Test
    void readme_holdsThisTable() throws IOException {
        List<String[]> cells = new ArrayList<>();
        for (Row r : rows()) {
            cells.add(new String[] {r.entry(), r.bad(), "exit " + r.status() + ": " + code(r.message())});
        }
        BadInputTable.assertReadmeHas(getClass().getSimpleName(), BadInputTable.markdown(cells));
    }
}
