package org.percpudefer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
        Result r = run(("ipi-demo " + args.trim()).split(" +"));

        assertThat(r.status()).isEqualTo(Main.USAGE_ERROR);
        assertThat(r.err()).startsWith("percpu-defer: " + message).contains("(see percpu-defer ipi-demo --help)");
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.out()).isEmpty();
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
        Result r = run("--cpus", "1", "--round-trips", "5", "--warmup", "0", "--idle", "polling", "--no-pin");

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("ipi-demo").contains("cpu0 -> cpu0");
    }

    @Test
    void noCommand_badOption_isTheMainJobsError() {
        Result r = run("--cpus", "0");

        assertThat(r.status()).isEqualTo(Main.USAGE_ERROR);
        assertThat(r.err()).startsWith("percpu-defer: invalid value for option '--cpus': 0 is out of range");
    }

    @Test
    void version_andHelp_areTheTopLevels() {
        assertThat(run("--version").out()).startsWith("percpu-defer ");
        assertThat(run("--help").out()).contains("ipi-demo");
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
        Result r = run(("defer-demo " + args.trim()).split(" +"));

        assertThat(r.status()).isEqualTo(Main.USAGE_ERROR);
        assertThat(r.err()).startsWith("percpu-defer: " + message);
        assertThat(r.err().strip().lines()).hasSize(1);
    }

    @Test
    void unknownCommand_oneLine_exit2() {
        Result r = run("frobnicate");

        assertThat(r.status()).isEqualTo(Main.USAGE_ERROR);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains("frobnicate");
    }
}
