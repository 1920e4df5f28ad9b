package org.percpudefer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Timeout;
import org.percpudefer.cpu.Activity;
import org.percpudefer.defer.DeferVariant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** What the commands print when they run; what they say to bad input is {@link BadInputCliTest}'s table. */
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
            // the profile's shape, not its samples: a 0.05 s run on a loaded machine may get none (a CI run on
            // JDK 25 beside a jcstress run, 2026-12-08, found COPY_TO_USER at 0); SamplerTest checks the sampler itself
            double sum = 0;
            for (Activity a : Activity.values()) {
                double share = v.get("consumerProfile").get(a.name()).asDouble();
                assertThat(share).as(a.name()).isBetween(0.0, 1.0);
                sum += share;
            }
            assertThat(sum).as("shares of a profile with samples, or of one without").satisfiesAnyOf(
                    x -> assertThat(x).isCloseTo(1.0, within(1e-9)), x -> assertThat(x).isZero());
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
}
