package org.percpudefer.defer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

import org.percpudefer.cpu.Cpu;
import org.percpudefer.cpu.CpuTask;
import org.percpudefer.cpu.Machine;
import org.percpudefer.cpu.MachineConfig;

/** A running machine with defer lists of one configuration, and helpers to act on its CPUs. */
final class Harness implements AutoCloseable {

    /** A deferrable test object that records where it was freed. */
    static final class Obj extends Deferrable {
        final int id;
        volatile int freedOn = Integer.MIN_VALUE;
        volatile int frees;

        Obj(int id, int allocCpu) {
            this.id = id;
            allocatedOn(allocCpu);
        }
    }

    /** One (variant, lock kind) configuration under test. */
    record Config(DeferVariant variant, LockKind lock) {
        @Override
        public String toString() {
            return variant + (variant.locked() ? "/" + lock : "");
        }
    }

    final Machine machine;
    final DeferLists<Obj> lists;
    final ConcurrentLinkedQueue<Obj> freed = new ConcurrentLinkedQueue<>();
    private final List<Blocker> blockers = new ArrayList<>();
    private int nextId;

    Harness(Config config, int cpus) {
        this(config, cpus, null);
    }

    /** With {@code ledger} non-null, the lists run in the accounting mode. */
    Harness(Config config, int cpus, Ledger ledger) {
        machine = Machine.boot(MachineConfig.of(cpus).withNodes(cpus).withPin(false).withParkAtOnce());
        Reclaimer<Obj> reclaimer = obj -> {
            obj.freedOn = Cpu.currentId(); // before frees: tests wait on frees, then read freedOn
            obj.frees++;
            freed.add(obj);
        };
        lists = ledger == null ? DeferLists.install(machine, config.variant(), config.lock(), reclaimer)
                : DeferLists.install(machine, config.variant(), config.lock(), reclaimer, ledger);
    }

    Obj obj(int allocCpu) {
        return new Obj(nextId++, allocCpu);
    }

    /** Runs {@code action} on CPU {@code cpu} as a one-step task and returns its result. */
    int on(int cpu, IntSupplier action) {
        AtomicReference<Object> result = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        CpuTask task = c -> {
            try {
                result.set(action.getAsInt());
            } catch (Throwable e) {
                result.set(e);
            }
            done.countDown();
            return CpuTask.DONE;
        };
        hostWhenFree(cpu, task);
        await(done);
        if (result.get() instanceof Throwable e) {
            throw new AssertionError("on cpu " + cpu, e);
        }
        return (Integer) result.get();
    }

    /** Occupies CPU {@code cpu} with a task that holds it until {@link Blocker#release()}: no IPI, no flush. */
    Blocker block(int cpu) {
        Blocker b = new Blocker();
        blockers.add(b);
        hostWhenFree(cpu, c -> {
            b.entered.countDown();
            await(b.released);
            return CpuTask.DONE;
        });
        await(b.entered);
        return b;
    }

    private void hostWhenFree(int cpu, CpuTask task) {
        while (true) {
            try {
                machine.host(cpu, task);
                return;
            } catch (IllegalStateException e) { // the previous task has returned DONE but is not unhosted yet
                if (!e.getMessage().contains("already hosts")) {
                    throw e;
                }
                Thread.yield();
            }
        }
    }

    static final class Blocker {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch released = new CountDownLatch(1);

        void release() {
            released.countDown();
        }
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Waits for something the system must reach; never asserts on how long it took. */
    static void await(BooleanSupplier condition) {
        while (!condition.getAsBoolean()) {
            if (Thread.interrupted()) {
                throw new IllegalStateException("interrupted while waiting");
            }
            Thread.yield();
        }
    }

    @Override
    public void close() {
        blockers.forEach(Blocker::release); // a failed assertion must not leave a CPU blocked
        machine.close();
        lists.drain();
    }
}
