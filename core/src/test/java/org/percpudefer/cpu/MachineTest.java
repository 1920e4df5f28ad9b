package org.percpudefer.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The emulated machine: IPIs, softirqs, tasks, hotplug, shutdown. No assertion here is about time. */
@Timeout(value = 60, unit = TimeUnit.SECONDS) // a hang fails the test instead of the build
class MachineTest {

    private static MachineConfig parkAtOnce(int cpus) {
        return MachineConfig.of(cpus).withParkAtOnce();
    }

    /** Waits for a condition that the system under test must reach; never asserts how long it took. */
    private static void await(BooleanSupplier condition) {
        while (!condition.getAsBoolean()) {
            Thread.yield();
        }
    }

    private static boolean parked(Cpu cpu) {
        return cpu.thread().getState() == Thread.State.WAITING;
    }

    @Test
    void ipi_wakesParkedCpu() throws Exception {
        try (Machine machine = Machine.boot(parkAtOnce(2))) {
            Cpu target = machine.cpu(1);
            await(() -> parked(target));
            AtomicInteger ranOn = new AtomicInteger(-1);
            CountDownLatch ran = new CountDownLatch(1);
            CallSingleData csd = new CallSingleData(cpu -> {
                ranOn.set(Cpu.current().id());
                ran.countDown();
            });

            assertThat(machine.callFunctionSingleAsync(1, csd)).isEqualTo(CallSingleData.SENT);

            ran.await();
            assertThat(ranOn.get()).isEqualTo(1);
        }
    }

    @Test
    void wake_makesParkedCpuStepItsTaskAgain() throws Exception {
        try (Machine machine = Machine.boot(parkAtOnce(1))) {
            AtomicInteger work = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(1);
            machine.host(0, cpu -> {
                if (work.get() == 0) {
                    return 0; // nothing to do: the CPU parks
                }
                done.countDown();
                return CpuTask.DONE;
            });
            await(() -> parked(machine.cpu(0)));

            work.set(1);
            machine.cpu(0).wake();

            done.await();
        }
    }

    @Test
    void csd_inFlight_isNotQueuedTwice() {
        Machine machine = Machine.detached(MachineConfig.of(2).withPin(false));
        CallSingleData csd = new CallSingleData(cpu -> { });

        assertThat(machine.callFunctionSingleAsync(1, csd)).isEqualTo(CallSingleData.SENT);
        assertThat(machine.callFunctionSingleAsync(1, csd)).isEqualTo(CallSingleData.BUSY);
        assertThat(machine.callFunctionSingleAsync(0, csd)).isEqualTo(CallSingleData.BUSY);

        assertThat(csd.inFlight()).isTrue();
        assertThat(machine.cpu(1).inbox().queued()).isEqualTo(1);
        assertThat(machine.cpu(0).inbox().queued()).isZero();
    }

    @Test
    void csd_canBeSentAgainFromItsOwnHandler() throws Exception {
        try (Machine machine = Machine.boot(parkAtOnce(2))) {
            CountDownLatch three = new CountDownLatch(3);
            AtomicReference<CallSingleData> self = new AtomicReference<>();
            self.set(new CallSingleData(cpu -> {
                three.countDown();
                if (three.getCount() > 0) {
                    assertThat(machine.callFunctionSingleAsync(0, self.get())).isEqualTo(CallSingleData.SENT);
                }
            }));

            machine.callFunctionSingleAsync(1, self.get());

            three.await();
            await(() -> !self.get().inFlight());
        }
    }

    @Test
    void softirq_raisedByIpiFromAnotherCpu_runsOnTarget() throws Exception {
        try (Machine machine = Machine.boot(parkAtOnce(2))) {
            ConcurrentLinkedQueue<Integer> ranOn = new ConcurrentLinkedQueue<>();
            CountDownLatch ran = new CountDownLatch(1);
            machine.openSoftirq(Softirq.NET_RX, cpu -> {
                ranOn.add(Cpu.current().id());
                ran.countDown();
            });
            CallSingleData trigger = new CallSingleData(cpu -> cpu.raiseSoftirq(Softirq.NET_RX));
            machine.host(0, cpu -> {
                assertThat(machine.callFunctionSingleAsync(1, trigger)).isEqualTo(CallSingleData.SENT);
                return CpuTask.DONE;
            });

            ran.await();
            assertThat(ranOn).containsExactly(1);
        }
    }

    @Test
    void softirq_raisedFromAnotherThread_isRejected() {
        try (Machine machine = Machine.boot(parkAtOnce(1))) {
            machine.openSoftirq(Softirq.NET_RX, cpu -> { });

            assertThatThrownBy(() -> machine.cpu(0).raiseSoftirq(Softirq.NET_RX))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("softirq 3 raised on cpu 0 from thread '" + Thread.currentThread().getName());
        }
    }

    @Test
    void softirq_withoutHandler_isRejectedOnTheCpu() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        try (Machine machine = Machine.boot(parkAtOnce(1))) {
            machine.host(0, cpu -> {
                try {
                    cpu.raiseSoftirq(Softirq.TIMER);
                } catch (IllegalStateException e) {
                    thrown.set(e);
                }
                done.countDown();
                return CpuTask.DONE;
            });
            done.await();
        }
        assertThat(thrown.get()).hasMessageContaining("softirq 1 has no handler");
    }

    @Test
    void offlineCpu_refusesWork_andRunsAgainWhenOnline() throws Exception {
        try (Machine machine = Machine.boot(parkAtOnce(2))) {
            AtomicInteger steps = new AtomicInteger();
            AtomicInteger stepsWhileOffline = new AtomicInteger();
            machine.host(1, cpu -> {
                if (!cpu.isOnline()) {
                    stepsWhileOffline.incrementAndGet();
                }
                steps.incrementAndGet();
                return 0;
            });
            CountDownLatch ipiRan = new CountDownLatch(1);
            CallSingleData csd = new CallSingleData(cpu -> ipiRan.countDown());

            machine.offline(1);

            assertThat(machine.cpu(1).isOnline()).isFalse();
            assertThat(machine.onlineCpus()).isEqualTo(1);
            assertThat(machine.callFunctionSingleAsync(1, csd)).isEqualTo(CallSingleData.OFFLINE);
            assertThat(csd.inFlight()).isFalse();
            assertThatThrownBy(() -> machine.host(1, cpu -> CpuTask.DONE))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cpu 1 is offline");
            int stepsAtOffline = steps.get();

            machine.online(1);

            assertThat(machine.callFunctionSingleAsync(1, csd)).isEqualTo(CallSingleData.SENT);
            ipiRan.await();
            machine.cpu(1).wake();
            await(() -> steps.get() > stepsAtOffline);
            assertThat(stepsWhileOffline.get()).isZero();
        }
    }

    @Test
    void offline_lastOnlineCpu_isRejected() {
        try (Machine machine = Machine.boot(parkAtOnce(2))) {
            machine.offline(0);

            assertThatThrownBy(() -> machine.offline(1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cpu 1 is the last online cpu");
            machine.offline(0); // idempotent
            machine.online(0);
            assertThat(machine.onlineCpus()).isEqualTo(2);
        }
    }

    @Test
    void offline_ofItself_isRejected() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        try (Machine machine = Machine.boot(parkAtOnce(2))) {
            machine.host(1, cpu -> {
                try {
                    machine.offline(1);
                } catch (IllegalStateException e) {
                    thrown.set(e);
                }
                done.countDown();
                return CpuTask.DONE;
            });
            done.await();
        }
        assertThat(thrown.get()).hasMessageContaining("offline(1) called on cpu 1 of the same machine");
    }

    @Test
    void hotplug_fromAnotherCpuOfTheMachine_isRejected() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        try (Machine machine = Machine.boot(parkAtOnce(3))) {
            machine.host(0, cpu -> {
                try {
                    machine.offline(2);
                } catch (IllegalStateException e) {
                    thrown.set(e);
                }
                done.countDown();
                return CpuTask.DONE;
            });
            done.await();
            assertThat(machine.cpu(2).isOnline()).isTrue();
        }
        assertThat(thrown.get()).hasMessageContaining("offline(2) called on cpu 0 of the same machine");
    }

    @Test
    void whileAHotplugWaits_cpusCanStillUseTheMachine() throws Exception {
        try (Machine machine = Machine.boot(parkAtOnce(3))) {
            CountDownLatch inStep = new CountDownLatch(1);
            CountDownLatch hosted = new CountDownLatch(1);
            // cpu1's step holds back the acknowledgement of offline(1) until it has hosted a task on cpu2,
            // which takes the machine's monitor: the hotplug caller must not hold it while it waits
            machine.host(1, cpu -> {
                inStep.countDown();
                while (cpu.isOnline()) { // until offline(1) has been requested
                    Thread.onSpinWait();
                }
                machine.host(2, c -> {
                    hosted.countDown();
                    return CpuTask.DONE;
                });
                return CpuTask.DONE;
            });
            inStep.await();

            machine.offline(1);

            hosted.await();
            assertThat(machine.cpu(1).isOnline()).isFalse();
        }
    }

    @Test
    void close_joinsAllThreads_andReportsTheTaskThatThrew() throws Exception {
        Machine machine = Machine.boot(parkAtOnce(3));
        RuntimeException boom = new RuntimeException("boom");
        CountDownLatch thrown = new CountDownLatch(1);
        machine.host(1, cpu -> {
            thrown.countDown();
            throw boom;
        });
        thrown.await();
        await(() -> !machine.cpu(1).hostsTask());
        // the CPU survives its task: it still runs IPIs
        CountDownLatch ipiRan = new CountDownLatch(1);
        assertThat(machine.callFunctionSingleAsync(1, new CallSingleData(cpu -> ipiRan.countDown())))
                .isEqualTo(CallSingleData.SENT);
        ipiRan.await();

        assertThatThrownBy(machine::close)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cpu 1 task")
                .hasCause(boom);
        assertThat(machine.terminated()).isTrue();
        assertThat(machine.faults()).extracting(CpuFault::cpu, CpuFault::where).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, "task"));
    }

    @Test
    void close_keepsEveryFault_firstAsCauseOthersSuppressed() throws Exception {
        Machine machine = Machine.boot(parkAtOnce(2));
        CountDownLatch both = new CountDownLatch(2);
        machine.openSoftirq(Softirq.NET_TX, cpu -> {
            both.countDown();
            throw new IllegalStateException("softirq failed");
        });
        machine.callFunctionSingleAsync(0, new CallSingleData(cpu -> cpu.raiseSoftirq(Softirq.NET_TX)));
        machine.callFunctionSingleAsync(1, new CallSingleData(cpu -> {
            both.countDown();
            throw new IllegalArgumentException("ipi failed");
        }));
        both.await();

        assertThatThrownBy(machine::close)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("2 fault(s)")
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
        assertThat(machine.terminated()).isTrue();
        assertThat(machine.faults()).extracting(CpuFault::where).containsExactlyInAnyOrder("softirq 2", "ipi");
    }

    @Test
    void close_isIdempotent_andRefusesWorkAfterwards() {
        Machine machine = Machine.boot(MachineConfig.of(2));
        machine.close();
        machine.close();

        assertThat(machine.terminated()).isTrue();
        assertThat(machine.callFunctionSingleAsync(0, new CallSingleData(cpu -> { }))).isEqualTo(CallSingleData.OFFLINE);
        assertThatThrownBy(() -> machine.host(0, cpu -> CpuTask.DONE)).hasMessageContaining("machine is closed");
        assertThatThrownBy(() -> machine.online(1)).hasMessageContaining("machine is closed");
        assertThatThrownBy(() -> machine.openSoftirq(Softirq.NET_RX, cpu -> { })).hasMessageContaining("machine is closed");
    }

    @Test
    void close_fromItsOwnCpu_isRejected() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Machine machine = Machine.boot(parkAtOnce(1));
        try {
            machine.host(0, cpu -> {
                try {
                    machine.close();
                } catch (IllegalStateException e) {
                    thrown.set(e);
                }
                done.countDown();
                return CpuTask.DONE;
            });
            done.await();
        } finally {
            machine.close();
        }
        assertThat(thrown.get()).hasMessageContaining("close() called on cpu 0");
    }

    @Test
    void moreCpusThanCores_allRun_andPinningSaysSo() throws Exception {
        int cpus = Runtime.getRuntime().availableProcessors() * 4;
        try (Machine machine = Machine.boot(MachineConfig.of(cpus))) {
            CountDownLatch all = new CountDownLatch(cpus);
            boolean[] seen = new boolean[cpus];
            for (int id = 0; id < cpus; id++) {
                int expected = id;
                machine.callFunctionSingleAsync(id, new CallSingleData(cpu -> {
                    seen[expected] = Cpu.current().id() == expected;
                    all.countDown();
                }));
            }
            all.await();
            for (boolean s : seen) {
                assertThat(s).isTrue();
            }
            List<Pinning> pinning = machine.pinning();
            assertThat(pinning).hasSize(cpus);
            assertThat(machine.pinnedOnePerCore()).isFalse();
            if (pinning.get(0).pinned()) {
                assertThat(pinning).allMatch(Pinning::shared);
                assertThat(machine.pinningSummary()).startsWith("pinned round-robin: " + cpus + " simulated CPUs share");
            } else {
                assertThat(machine.pinningSummary()).startsWith("not pinned");
            }
        }
    }

    @Test
    void pinning_off_isReported() {
        try (Machine machine = Machine.boot(MachineConfig.of(2).withPin(false))) {
            assertThat(machine.pinning()).noneMatch(Pinning::pinned);
            assertThat(machine.pinningSummary()).isEqualTo("not pinned: pinning is off by configuration");
        }
    }

    @Test
    void nodes_groupContiguousCpus() {
        Machine machine = Machine.detached(MachineConfig.of(6).withNodes(3).withPin(false));
        List<Integer> nodes = new ArrayList<>();
        for (int id = 0; id < machine.cpus(); id++) {
            nodes.add(machine.cpu(id).node());
        }
        assertThat(nodes).containsExactly(0, 0, 1, 1, 2, 2);
        assertThat(machine.nodes()).isEqualTo(3);
    }

    @Test
    void current_isFoundFromTheThread() throws Exception {
        assertThat(Cpu.currentOrNull()).isNull();
        assertThatThrownBy(Cpu::current)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("thread '" + Thread.currentThread().getName() + "' is not a simulated CPU");
        try (Machine machine = Machine.boot(parkAtOnce(2))) {
            AtomicReference<Cpu> seen = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            machine.host(1, cpu -> {
                seen.set(Cpu.current());
                done.countDown();
                return CpuTask.DONE;
            });
            done.await();
            assertThat(seen.get()).isSameAs(machine.cpu(1));
        }
    }

    @Test
    void host_onBusyCpu_isRejected() {
        try (Machine machine = Machine.boot(parkAtOnce(1))) {
            machine.host(0, cpu -> 0);
            assertThatThrownBy(() -> machine.host(0, cpu -> 0))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cpu 0 already hosts a task");
        }
    }

    @Test
    void task_returningNegativeOtherThanDone_isAFault() throws Exception {
        Machine machine = Machine.boot(parkAtOnce(1));
        machine.host(0, cpu -> -7);
        await(() -> !machine.faults().isEmpty());
        assertThatThrownBy(machine::close).hasMessageContaining("task step returned -7");
    }
}
