package org.percpudefer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.percpudefer.defer.DeferVariant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MainTest {

    private record Result(int status, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(status, out.toString(), err.toString());
    }

    /** A user mistake: exit status 2, nothing on stdout, one line on stderr that starts with {@code message}; returns it. */
    private static String assertUsageError(String args, String message) {
        Result r = run(args.trim().split(" +"));

        assertThat(r.status()).isEqualTo(Main.USAGE_ERROR);
        assertThat(r.err()).startsWith("percpu-defer: " + message);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.out()).isEmpty();
        return r.err();
    }

    @Test
    void ipiDemo_printsPercentilesPerPairAndPinning() {
        Result r = run("ipi-demo", "--cpus", "2", "--round-trips", "50", "--warmup", "5");

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("IPI round trips between 2 simulated CPUs on 1 node")
                .contains("pinning: ")
                .contains("target polling").contains("target parked")
                .contains("cpu0 -> cpu1").contains("cpu1 -> cpu0").contains("all pairs");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void ipiDemo_oneCpu_measuresIpisToItself() {
        Result r = run("ipi-demo", "--cpus", "1", "--round-trips", "20", "--warmup", "0", "--idle", "parked", "--no-pin");

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("cpu0 -> cpu0").contains("not pinned: pinning is off by configuration")
                .doesNotContain("target polling");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--cpus 0              | invalid value for option '--cpus': 0 is out of range (allowed: 1..1024)",
        "--cpus -3             | invalid value for option '--cpus': -3 is out of range (allowed: 1..1024)",
        "--cpus 1025           | invalid value for option '--cpus': 1025 is out of range (allowed: 1..1024)",
        "--cpus two            | Invalid value for option '--cpus': 'two' is not an int",
        "--cpus 2 --nodes 3    | invalid value for option '--nodes': 3 is out of range (allowed: 1..2, and --cpus is 2)",
        "--nodes 0             | invalid value for option '--nodes': 0 is out of range",
        "--round-trips 0       | invalid value for option '--round-trips': 0 is out of range (allowed: 1..100000000)",
        "--warmup -1           | invalid value for option '--warmup': -1 is out of range (allowed: 0..100000000)",
        "--idle sideways       | Invalid value for option '--idle': expected one of [both, polling, parked]",
        "--bogus               | Unknown option: '--bogus'",
    })
    void badInput_oneLineNamingTheValue_exit2(String args, String message) {
        assertThat(assertUsageError("ipi-demo " + args, message)).contains("(see percpu-defer ipi-demo --help)");
    }

    @Test
    void ipiDemo_ring_measuresEachCpuToTheNext() {
        Result r = run("ipi-demo", "--cpus", "3", "--pairs", "ring", "--round-trips", "10", "--warmup", "0",
                "--idle", "polling", "--no-pin");

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("cpu0 -> cpu1").contains("cpu1 -> cpu2").contains("cpu2 -> cpu0")
                .doesNotContain("cpu0 -> cpu2");
    }

    @Test
    void noCommand_runsTheMainJobWithTheOptionsGiven() {
        Result r = run("--runs", "1", "--duration", "0.05", "--warmup", "0", "--no-pin", "--rcvbuf", "1048576");

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("percpu-defer compare").contains("rcvbuf 1048576").contains("x NONE")
                .contains("copy to user").contains("free path, together").contains("corrupt fragments: 0");
    }

    @Test
    void compare_all_writesJsonAndPlots(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("r.json");
        Path svg = dir.resolve("r.svg");
        Result r = run("compare", "--variants", "all", "--runs", "2", "--duration", "0.05", "--warmup", "0.05",
                "--no-pin", "--rcvbuf", "1048576", "--json", json.toString(), "--plot", svg.toString());

        assertThat(r.status()).as(r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.get("variants")).hasSize(DeferVariant.values().length);
        for (JsonNode v : root.get("variants")) {
            assertThat(v.get("name").asText()).isNotEmpty();
            assertThat(v.get("runsMbitPerSec")).hasSize(2);
            assertThat(v.get("meanMbitPerSec").asDouble()).isPositive();
            assertThat(v.get("consumerProfile").get("COPY_TO_USER").asDouble()).isPositive();
            assertThat(v.get("counters").get("corrupt").asLong()).isZero();
        }
        assertThat(Files.readString(svg)).startsWith("<?xml").contains("<svg");

        Path png = dir.resolve("r.png");
        assertThat(run("compare", "--runs", "1", "--duration", "0.05", "--warmup", "0", "--no-pin", "--rcvbuf",
                "1048576", "--plot", png.toString()).status()).isZero();
        assertThat(Files.readAllBytes(png)).startsWith(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    }

    @Test
    void run_printsLiveCountersPerCpu() {
        Result r = run("run", "--variant", "PER_CPU_LLIST", "--duration", "0.2", "--interval", "0.1", "--no-pin",
                "--rcvbuf", "1048576");

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("percpu-defer run: PER_CPU_LLIST").contains("Mbit/s").contains("cpu0")
                .contains("cpu1").contains("every skb and page accounted for");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--variants PER_PLANET    | invalid value for option '--variants': 'PER_PLANET' is not a variant (allowed: [NONE,",
        "--runs 0                 | invalid value for option '--runs': 0 is out of range (allowed: 1..1000)",
        "--duration 0             | invalid value for option '--duration': 0.0 is out of range (allowed: 0.01..3600 seconds)",
        "--warmup -1              | invalid value for option '--warmup': -1.0 is out of range (allowed: 0.0..3600 seconds)",
        "--sample-hz 0            | invalid value for option '--sample-hz': 0 is out of range (allowed: 1..100000)",
        "--cpus 0                 | invalid value for option '--cpus': 0 is out of range (allowed: 1..1024)",
        "--cpus 1025              | invalid value for option '--cpus': 1025 is out of range (allowed: 1..1024)",
        "--reader-cpu 2           | invalid value for option '--reader-cpu': 2 is out of range (allowed: 0..1, and --cpus is 2)",
        "--defer-max -1           | invalid value for option '--defer-max': -1 is out of range (allowed: 0..1048576)",
        "--gro-size 0             | invalid value for option '--gro-size': 0 is out of range (allowed: 4096..524288)",
        "--gro-size 6000          | invalid value for option '--gro-size': 6000 is not a whole number of 4096-byte fragments",
        "--rcvbuf 100             | invalid value for option '--rcvbuf': 100 is out of range (allowed: 4096..268435456)",
        "--page-pool-size -1      | invalid value for option '--page-pool-size': -1 is out of range (allowed: 0..1048576)",
        "--lock SPIN              | Invalid value for option '--lock': expected one of [TTAS, TICKET, MCS,",
        "--dma NOBODY             | Invalid value for option '--dma': expected one of [HEADERS, CPU]",
        "--plot out.gif           | invalid value for option '--plot': 'out.gif' is neither .png nor .svg",
        "--plot /nonexistent/p.svg| invalid value for option '--plot': '/nonexistent/p.svg' cannot be written",
        "--json /nonexistent/r.json| invalid value for option '--json': '/nonexistent/r.json' cannot be written",
    })
    void compare_badInput_oneLineNamingTheValue_exit2(String args, String message) {
        assertUsageError("compare " + args, message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--variant PER_PLANET     | Invalid value for option '--variant': expected one of [NONE, PER_SOCKET,",
        "--duration 0             | invalid value for option '--duration': 0.0 is out of range (allowed: 0.01..3600 seconds)",
        "--duration 1 --interval 5| invalid value for option '--interval': 5.0 is out of range (allowed: 0.01..1.0 seconds",
    })
    void run_badInput_oneLineNamingTheValue_exit2(String args, String message) {
        assertUsageError("run " + args, message);
    }

    @Test
    void noCommand_badOption_isTheMainJobsError() {
        Result r = run("--cpus", "0");

        assertThat(r.status()).isEqualTo(Main.USAGE_ERROR);
        assertThat(r.err()).startsWith("percpu-defer: invalid value for option '--cpus': 0 is out of range")
                .contains("percpu-defer compare --help");
    }

    @Test
    void version_andHelp_areTheTopLevels() {
        assertThat(run("--version").out()).startsWith("percpu-defer ");
        assertThat(run("--help").out()).contains("compare").contains("run").contains("ipi-demo");
    }

    @Test
    void deferDemo_printsEveryVariantsCountersSideBySide() {
        Result r = run("defer-demo", "--objects", "2000", "--no-pin");

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("NONE").contains("PER_SOCKET").contains("PER_CPU_LOCKED")
                .contains("PER_CPU_LLIST").contains("PER_NODE").contains("BATCHED")
                .contains("deferred %").contains("IPIs sent").contains("slab depot locks /1k");
        assertThat(r.err()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--objects 0           | invalid value for option '--objects': 0 is out of range (allowed: 1..1000000000)",
        "--payload 0           | invalid value for option '--payload': 0 is out of range (allowed: 1..1048576)",
        "--defer-max -1        | invalid value for option '--defer-max': -1 is out of range (allowed: 0..2147483647)",
        "--runs 0              | invalid value for option '--runs': 0 is out of range (allowed: 1..100)",
        "--rcvbuf 0            | invalid value for option '--rcvbuf': 0 is out of range (allowed: 1..2147483647)",
        "--variant PER_PLANET  | Invalid value for option '--variant' (V): expected one of [NONE, PER_SOCKET,",
        "--lock SPIN           | Invalid value for option '--lock': expected one of [TTAS, TICKET, MCS,",
    })
    void deferDemo_badInput_oneLineNamingTheValue_exit2(String args, String message) {
        assertUsageError("defer-demo " + args, message);
    }

    @Test
    void unknownCommand_oneLine_exit2() {
        Result r = run("frobnicate");

        assertThat(r.status()).isEqualTo(Main.USAGE_ERROR);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains("frobnicate");
    }
}
