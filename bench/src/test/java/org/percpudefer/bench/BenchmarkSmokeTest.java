package org.percpudefer.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Every benchmark runs (one short iteration, in this JVM) and every {@code @Param} is really used: each
 * value is read back from the results and changes what the benchmark did. A broken benchmark fails the
 * build here, not in a results session. Nothing here asserts on speed.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BenchmarkSmokeTest {

    private static Collection<RunResult> run(String include, String... params) throws RunnerException {
        OptionsBuilder b = new OptionsBuilder();
        b.include(include).forks(0).warmupIterations(0).measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200)).shouldFailOnError(true);
        for (int i = 0; i < params.length; i += 2) {
            b.param(params[i], params[i + 1].split(","));
        }
        Options o = b.build();
        return new Runner(o).run();
    }

    @SuppressWarnings("rawtypes") // JMH's own signature: Map<String, Result>
    private static double aux(RunResult r, String name) {
        Map<String, Result> secondary = r.getSecondaryResults();
        assertThat(secondary).containsKey(name);
        return secondary.get(name).getScore();
    }

    @Test
    void deferBenchmark_everyVariantParamIsUsed() throws RunnerException {
        Collection<RunResult> results = run("DeferBenchmark", "variant",
                "NONE,PER_SOCKET,PER_CPU_LOCKED,PER_CPU_LLIST,PER_NODE,BATCHED", "lock", "MCS", "deferMax", "16");

        assertThat(results).hasSize(6);
        for (RunResult r : results) {
            String variant = r.getParams().getParam("variant");
            assertThat(r.getParams().getParam("lock")).isEqualTo("MCS");
            assertThat(r.getParams().getParam("deferMax")).isEqualTo("16");
            if (variant.equals("NONE")) {
                assertThat(aux(r, "deferred")).as(variant).isZero();
                assertThat(aux(r, "local")).as(variant).isPositive();
            } else {
                assertThat(aux(r, "deferred")).as(variant).isPositive();
            }
        }
    }

    @Test
    void deferBenchmark_deferMaxZeroDisablesDeferral() throws RunnerException {
        Collection<RunResult> results = run("DeferBenchmark", "variant", "PER_CPU_LOCKED", "deferMax", "0");

        assertThat(results).singleElement().satisfies(r -> assertThat(aux(r, "deferred")).isZero());
    }

    @Test
    void freePathBenchmark_bothPathsFreePages() throws RunnerException {
        Collection<RunResult> results = run("FreePathBenchmark", "frags", "4");

        assertThat(results).extracting(r -> r.getParams().getParam("free")).containsExactlyInAnyOrder("ZONE", "DEFER");
        for (RunResult r : results) {
            assertThat(r.getParams().getParam("frags")).isEqualTo("4");
            assertThat(aux(r, "freed")).isPositive();
        }
    }

    @Test
    void deferPushBenchmark_everyVariantAndFlushEveryIsUsed() throws RunnerException {
        Collection<RunResult> results = run("DeferPushBenchmark", "flushEvery", "7", "lock", "TICKET");

        assertThat(results).extracting(r -> r.getParams().getParam("variant"))
                .containsExactlyInAnyOrder("PER_CPU_LOCKED", "PER_CPU_LLIST", "BATCHED");
        for (RunResult r : results) {
            assertThat(r.getParams().getParam("flushEvery")).isEqualTo("7");
            assertThat(r.getParams().getParam("lock")).isEqualTo("TICKET");
            assertThat(r.getPrimaryResult().getScore()).isPositive();
        }
    }

    @Test
    void poolBenchmark_everyImplAndPayloadRuns_andEveryHandoffCompletes() throws RunnerException {
        Collection<RunResult> results = run("PoolBenchmark.handoff", "payload", "0,2048");

        assertThat(results).hasSize(2 * PoolBenchmark.Impl.values().length);
        for (RunResult r : results) {
            assertThat(aux(r, "handoffs")).as(r.getParams().getParam("impl")).isPositive();
        }
        assertThat(run("PoolBenchmark.same", "payload", "65536", "impl", "DEFER_POOL,NETTY"))
                .extracting(r -> r.getParams().getParam("impl")).containsExactlyInAnyOrder("DEFER_POOL", "NETTY");
    }

    @Test
    void peerQueueBenchmark_everyImplRuns() throws RunnerException {
        Collection<RunResult> results = run("PeerQueueBenchmark");

        assertThat(results).extracting(r -> r.getParams().getParam("impl"))
                .containsExactlyInAnyOrder("JCTOOLS_MPSC", "JCTOOLS_XADD", "AGRONA_MANY_TO_ONE", "CLQ");
        results.forEach(r -> assertThat(aux(r, "deferred")).isPositive());
    }

    @Test
    void floorAndIpiBenchmarks_run() throws RunnerException {
        assertThat(run("FloorBenchmark")).hasSize(5);
        assertThat(run("IpiBenchmark")).hasSize(2);
    }
}
