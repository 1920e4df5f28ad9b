package org.percpudefer.defer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.percpudefer.cpu.CpuFault;
import org.percpudefer.cpu.CpuTask;
import org.percpudefer.defer.Harness.Config;
import org.percpudefer.defer.Harness.Obj;

/**
 * A hosted task that throws on one CPU while that CPU's defer list is full of other CPUs' frees and its
 * own outgoing batches are not handed over: the fault is reported, the CPU goes on (its idle hook flushes
 * its list and hands its batches over), every object is freed exactly once where it belongs, and the
 * machine still shuts down: every thread joined, the fault rethrown by {@code close()}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TaskFaultTest {

    @ParameterizedTest
    @EnumSource(value = DeferVariant.class, names = {"PER_CPU_LOCKED", "PER_CPU_LLIST", "PER_NODE", "BATCHED"})
    void aTaskThatThrows_strandsNothing_andTheMachineStillShutsDown(DeferVariant variant) {
        Harness h = new Harness(new Config(variant, LockKind.TTAS), 3);
        List<Obj> homeOnCpu1 = new ArrayList<>();
        List<Obj> homeOnCpu0 = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            homeOnCpu1.add(h.obj(1));
        }
        for (int i = 0; i < 5; i++) {
            homeOnCpu0.add(h.obj(0));
        }
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        int[] queuedAtThrow = new int[1];
        RuntimeException boom = new IllegalStateException("the task died");
        CpuTask dying = cpu -> {
            entered.countDown();
            Harness.await(go); // cpu1 is in its step: it flushes nothing while cpu2 fills its list
            for (Obj o : homeOnCpu0) {
                h.lists.attemptDeferFree(o); // BATCHED: they wait in cpu1's outgoing batch
            }
            queuedAtThrow[0] = h.lists.queued(1);
            throw boom;
        };
        h.machine.host(1, dying);
        Harness.await(entered);
        h.on(2, () -> {
            homeOnCpu1.forEach(h.lists::attemptDeferFree);
            return 0;
        });
        // BATCHED: cpu2's batch reaches cpu1's list when cpu2 goes idle (its idle hook hands it over)
        Harness.await(() -> h.lists.queued(1) == 10);
        go.countDown();

        Harness.await(() -> h.freed.size() == 15); // never reached if anything were stranded: the timeout fails
        assertThat(queuedAtThrow[0]).as("cpu1's list when its task threw").isEqualTo(10);
        assertThat(h.freed).allMatch(o -> o.frees == 1);
        assertThat(homeOnCpu1).allMatch(o -> o.freedOn == 1);
        assertThat(homeOnCpu0).allMatch(o -> o.freedOn == 0);
        assertThat(h.machine.faults()).extracting(CpuFault::cpu, CpuFault::where, CpuFault::error)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "task", boom));

        assertThatThrownBy(h.machine::close).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("1 fault(s) on the simulated CPUs; first: cpu 1 task").hasCause(boom);
        assertThat(h.machine.terminated()).isTrue();
        assertThat(h.lists.drain()).isZero();
    }
}
