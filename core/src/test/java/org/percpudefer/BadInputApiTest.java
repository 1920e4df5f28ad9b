package org.percpudefer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.percpudefer.BadInputTable.code;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.percpudefer.cli.Main;
import org.percpudefer.cpu.Activity;
import org.percpudefer.cpu.CallSingleData;
import org.percpudefer.cpu.Cpu;
import org.percpudefer.cpu.CpuTask;
import org.percpudefer.cpu.Machine;
import org.percpudefer.cpu.MachineConfig;
import org.percpudefer.cpu.Sampler;
import org.percpudefer.cpu.Softirq;
import org.percpudefer.defer.DeferLists;
import org.percpudefer.defer.DeferPool;
import org.percpudefer.defer.DeferStats;
import org.percpudefer.defer.DeferVariant;
import org.percpudefer.defer.Deferrable;
import org.percpudefer.defer.Ledger;
import org.percpudefer.defer.LockKind;
import org.percpudefer.defer.Pooled;
import org.percpudefer.net.Dma;
import org.percpudefer.net.Flow;
import org.percpudefer.net.FlowConfig;
import org.percpudefer.net.PageAllocator;
import org.percpudefer.net.PagePool;
import org.percpudefer.net.SlabCache;
import org.percpudefer.net.Socket;
import org.percpudefer.ordering.SpinLock;
import org.percpudefer.stress.Stress;
import org.percpudefer.stress.StressConfig;

/**
 * The public API's bad-input table: every public entry point that takes an argument or has a state to be
 * in, with the bad values tried and what the caller gets. The rule: an {@link IllegalArgumentException}
 * for a bad value, an {@link IllegalStateException} for a call in the wrong state (closed, wrong thread,
 * released twice), each with a message naming the value or the state; a {@link NullPointerException} for
 * a null, from {@code Objects.requireNonNull} with the parameter's name (checked here, frame by frame). A
 * few inputs are accepted on purpose, as the kernel accepts them; their rows say what happens instead.
 * The rows are the README's table ({@link #readme_holdsThisTable()}): add one here, run the test, paste
 * what it prints.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputApiTest {

    static final Class<IllegalArgumentException> IAE = IllegalArgumentException.class;
    static final Class<IllegalStateException> ISE = IllegalStateException.class;
    static final Class<NullPointerException> NPE = NullPointerException.class;

    /** A call that is expected to throw. */
    @FunctionalInterface
    interface Call {
        void run() throws Throwable;
    }

    /** A call that is expected to return, and what it gives to look at. */
    @FunctionalInterface
    interface Probe {
        Object get() throws Throwable;
    }

    /** What a row expects: an exception whose message contains {@code message}, or a value. */
    sealed interface Outcome permits Throws, Accepted {
        String markdown();
    }

    /** @param type the exception's exact class @param message a part of its message */
    record Throws(Class<? extends Throwable> type, String message) implements Outcome {
        @Override
        public String markdown() {
            return code(type.getSimpleName()) + (type == NPE ? " from " + code("Objects.requireNonNull") : "") + ": " + code(message);
        }
    }

    /** @param value what the probe returns, as a string @param what the table says happens */
    record Accepted(String value, String what) implements Outcome {
        @Override
        public String markdown() {
            return "no exception: " + what;
        }
    }

    /**
     * One row.
     *
     * @param where    the entry point (Markdown)
     * @param bad      the bad value or state (Markdown)
     * @param expected what the caller gets
     * @param probe    the call
     */
    record Row(String where, String bad, Outcome expected, Probe probe) {
        @Override
        public String toString() {
            return where + " <- " + bad;
        }
    }

    static List<Row> rows() {
        return List.of(
            // ---------------------------------------------------------------- cpu
            fails("MachineConfig.of(cpus)", "0", IAE, "cpus 0 is out of range (allowed: 1..1024)", () -> MachineConfig.of(0)),
            fails("MachineConfig.of(cpus)", "1025", IAE, "cpus 1025 is out of range (allowed: 1..1024)", () -> MachineConfig.of(1025)),
            fails("MachineConfig.withNodes(nodes)", "3, with 2 CPUs", IAE, "nodes 3 is out of range (allowed: 1..cpus, and cpus is 2)",
                    () -> MachineConfig.of(2).withNodes(3)),
            fails("MachineConfig.withNodes(nodes)", "0", IAE, "nodes 0 is out of range (allowed: 1..cpus, and cpus is 2)",
                    () -> MachineConfig.of(2).withNodes(0)),
            fails("MachineConfig.withIdle(spins, yields)", "spins -1", IAE, "idleSpins -1 is out of range (allowed: 0..1000000)",
                    () -> MachineConfig.of(1).withIdle(-1, 0)),
            fails("MachineConfig.withIdle(spins, yields)", "yields 1000001", IAE, "idleYields 1000001 is out of range (allowed: 0..1000000)",
                    () -> MachineConfig.of(1).withIdle(0, 1_000_001)),
            fails("Machine.boot(config)", "null", NPE, "config", () -> Machine.boot(null)),
            fails("Machine.detached(config)", "null", NPE, "config", () -> Machine.detached(null)),
            fails("Machine.cpu(id)", "2, on 2 CPUs", IAE, "cpu 2 is out of range (allowed: 0..1)", () -> withMachine(2, m -> m.cpu(2))),
            fails("Machine.cpu(id)", "-1", IAE, "cpu -1 is out of range (allowed: 0..1)", () -> withMachine(2, m -> m.cpu(-1))),
            fails("Machine.openSoftirq(nr, handler)", "nr 10", IAE, "softirq number 10 is out of range (allowed: 0..9)",
                    () -> withMachine(1, m -> m.openSoftirq(10, cpu -> { }))),
            fails("Machine.openSoftirq(nr, handler)", "handler null", NPE, "handler",
                    () -> withMachine(1, m -> m.openSoftirq(Softirq.NET_RX, null))),
            fails("Machine.openSoftirq(nr, handler)", "a closed machine", ISE, "the machine is closed",
                    () -> closedMachine().openSoftirq(Softirq.NET_RX, cpu -> { })),
            fails("Machine.addIdleHook(hook)", "null", NPE, "hook", () -> withMachine(1, m -> m.addIdleHook(null))),
            fails("Machine.addIdleHook(hook)", "a closed machine", ISE, "the machine is closed",
                    () -> closedMachine().addIdleHook(cpu -> 0)),
            fails("Machine.addOfflineHook(hook)", "null", NPE, "hook", () -> withMachine(1, m -> m.addOfflineHook(null))),
            fails("Machine.addOfflineHook(hook)", "a closed machine", ISE, "the machine is closed",
                    () -> closedMachine().addOfflineHook(cpu -> 0)),
            fails("Machine.callFunctionSingleAsync(cpu, csd)", "cpu 5, on 2 CPUs", IAE, "cpu 5 is out of range (allowed: 0..1)",
                    () -> withMachine(2, m -> m.callFunctionSingleAsync(5, new CallSingleData(cpu -> { })))),
            fails("Machine.callFunctionSingleAsync(cpu, csd)", "csd null", NPE, "csd",
                    () -> withMachine(1, m -> m.callFunctionSingleAsync(0, null))),
            accepts("Machine.callFunctionSingleAsync(cpu, csd)", "a csd already in flight", "BUSY",
                    "returns " + code("CallSingleData.BUSY") + ", nothing queued twice", BadInputApiTest::sendTwice),
            accepts("Machine.callFunctionSingleAsync(cpu, csd)", "an offline CPU, or a closed machine", "OFFLINE",
                    "returns " + code("CallSingleData.OFFLINE") + ", nothing queued",
                    () -> csdResult(closedMachine().callFunctionSingleAsync(0, new CallSingleData(cpu -> { })))),
            fails("Machine.host(cpu, task)", "task null", NPE, "task", () -> withMachine(1, m -> m.host(0, null))),
            fails("Machine.host(cpu, task)", "cpu 2, on 2 CPUs", IAE, "cpu 2 is out of range (allowed: 0..1)",
                    () -> withMachine(2, m -> m.host(2, cpu -> CpuTask.DONE))),
            fails("Machine.host(cpu, task)", "a CPU that hosts a task", ISE, "cpu 0 already hosts a task; it must finish (return DONE) first",
                    () -> onCpu(1, cpu -> cpu.machine().host(0, c -> CpuTask.DONE))),
            fails("Machine.host(cpu, task)", "an offline CPU", ISE, "cpu 1 is offline: bring it online before hosting a task",
                    () -> withMachine(2, m -> {
                        m.offline(1);
                        m.host(1, cpu -> CpuTask.DONE);
                    })),
            fails("Machine.host(cpu, task)", "a closed machine", ISE, "the machine is closed",
                    () -> closedMachine().host(0, cpu -> CpuTask.DONE)),
            fails("Machine.offline(cpu)", "the last online CPU", ISE, "cpu 0 is the last online cpu: at least one must stay online",
                    () -> withMachine(1, m -> m.offline(0))),
            fails("Machine.offline(cpu)", "called on a CPU of the same machine", ISE, "offline(1) called on cpu 0 of the same machine",
                    () -> onCpu(2, cpu -> cpu.machine().offline(1))),
            fails("Machine.offline(cpu)", "2, on 2 CPUs", IAE, "cpu 2 is out of range (allowed: 0..1)", () -> withMachine(2, m -> m.offline(2))),
            fails("Machine.online(cpu)", "a closed machine", ISE, "the machine is closed", () -> closedMachine().online(0)),
            fails("Machine.close()", "called on a CPU of the machine", ISE, "close() called on cpu 0 of the machine it closes",
                    () -> onCpu(1, cpu -> cpu.machine().close())),
            fails("new CallSingleData(func)", "null", NPE, "func", () -> new CallSingleData(null)),
            fails("Cpu.current()", "a thread that is no simulated CPU", ISE, "is not a simulated CPU", Cpu::current),
            fails("Cpu.raiseSoftirq(nr)", "10", IAE, "softirq number 10 is out of range (allowed: 0..9)",
                    () -> onCpu(1, cpu -> cpu.raiseSoftirq(10))),
            fails("Cpu.raiseSoftirq(nr)", "from another thread", ISE, "softirq 3 raised on cpu 0 from thread",
                    () -> withMachine(1, m -> m.cpu(0).raiseSoftirq(Softirq.NET_RX))),
            fails("Cpu.raiseSoftirq(nr)", "a softirq with no handler", ISE, "softirq 1 has no handler: open it with Machine.openSoftirq first",
                    () -> onCpu(1, cpu -> cpu.raiseSoftirq(Softirq.TIMER))),
            fails("Cpu.enter(activity)", "null", NPE, "now", () -> onCpu(1, cpu -> cpu.enter(null))),
            fails("Cpu.enter(activity)", "from another thread", ISE, "enter() on cpu 0 from thread",
                    () -> withMachine(1, m -> m.cpu(0).enter(Activity.TASK))),
            fails("Cpu.restore(token)", "99, no value enter() returned", IAE, "activity token 99 is out of range (allowed: 0..17, a value enter() returned)",
                    () -> onCpu(1, cpu -> cpu.restore(99))),
            fails("Cpu.restore(token)", "from another thread", ISE, "restore() on cpu 0 from thread",
                    () -> withMachine(1, m -> m.cpu(0).restore(0))),
            fails("Sampler.start(machine, hz)", "hz 0", IAE, "sampling rate 0 Hz is out of range (allowed: 1..100000)",
                    () -> withMachine(1, m -> Sampler.start(m, 0))),
            fails("Sampler.start(machine, hz)", "hz 100001", IAE, "sampling rate 100001 Hz is out of range (allowed: 1..100000)",
                    () -> withMachine(1, m -> Sampler.start(m, 100_001))),
            fails("Sampler.start(machine, hz)", "machine null", NPE, "machine", () -> Sampler.start(null, 1000)),
            fails("Sampler.start(machine, hz)", "a closed machine", ISE, "the machine is closed: nothing runs on it to sample",
                    () -> Sampler.start(closedMachine(), 1000)),
            fails("Sampler.Profile.samples(cpu)", "1, of a 1-CPU machine", IAE, "cpu 1 is out of range (allowed: 0..0)",
                    () -> profile(1).samples(1)),
            fails("Sampler.Profile.share(cpu, activity)", "activity null", NPE, "activity", () -> profile(1).share(0, null)),
            fails("Sampler.Profile.plus(other)", "a profile of another number of CPUs", IAE, "a profile of 2 CPUs added to one of 1",
                    () -> profile(1).plus(profile(2))),
            fails("Activity.valueOf(name)", code("\"SLEEP\""), IAE, "No enum constant org.percpudefer.cpu.Activity.SLEEP",
                    () -> Activity.valueOf("SLEEP")),

            // ---------------------------------------------------------------- defer
            fails("DeferLists.install(machine, variant, lockKind, reclaimer)", "machine null", NPE, "machine",
                    () -> DeferLists.install(null, DeferVariant.PER_CPU_LOCKED, LockKind.TTAS, o -> { })),
            fails("DeferLists.install(machine, variant, lockKind, reclaimer)", "variant null", NPE, "variant",
                    () -> withMachine(1, m -> DeferLists.install(m, null, LockKind.TTAS, o -> { }))),
            fails("DeferLists.install(machine, variant, lockKind, reclaimer)", "lockKind null", NPE, "lockKind",
                    () -> withMachine(1, m -> DeferLists.install(m, DeferVariant.PER_CPU_LOCKED, null, o -> { }))),
            fails("DeferLists.install(machine, variant, lockKind, reclaimer)", "reclaimer null", NPE, "reclaimer",
                    () -> withMachine(1, m -> DeferLists.install(m, DeferVariant.PER_CPU_LOCKED, LockKind.TTAS, null))),
            fails("DeferLists.install(machine, variant, lockKind, reclaimer)", "a closed machine", ISE, "the machine is closed",
                    () -> DeferLists.install(closedMachine(), DeferVariant.PER_CPU_LOCKED, LockKind.TTAS, o -> { })),
            fails("DeferLists.setDeferMax(deferMax)", "-1", IAE, "deferMax -1 is out of range (allowed: 0..2147483647; 0 disables deferral)",
                    () -> withLists(2, l -> l.setDeferMax(-1))),
            fails("DeferLists.attemptDeferFree(obj)", "null", NPE, "obj", () -> withLists(2, l -> l.attemptDeferFree(null))),
            fails("DeferLists.attemptDeferFree(obj)", "called on a thread that is no CPU of the machine", ISE,
                    "attemptDeferFree on thread", () -> withLists(2, l -> l.attemptDeferFree(new Obj()))),
            accepts("DeferLists.attemptDeferFree(obj)", "an object whose allocCpu is out of range (-1: never recorded)", "LOCAL_OFFLINE",
                    "returns " + code("LOCAL_OFFLINE") + ": freed on the calling CPU, as the kernel does", BadInputApiTest::deferUnrecorded),
            fails("DeferLists.flush()", "called on a thread that is no CPU of the machine", ISE, "flush on thread",
                    () -> withLists(2, DeferLists::flush)),
            fails("DeferLists.stats(cpu)", "2, on 2 CPUs", IAE, "cpu 2 is out of range (allowed: 0..1)", () -> withLists(2, l -> l.stats(2))),
            fails("DeferLists.queued(cpu)", "-1", IAE, "cpu -1 is out of range (allowed: 0..1)", () -> withLists(2, l -> l.queued(-1))),
            fails("DeferLists.drain()", "while the machine runs", ISE, "drain() needs a closed machine", () -> withLists(2, DeferLists::drain)),
            fails("DeferStats.total(all)", "null", NPE, "all", () -> DeferStats.total(null)),
            fails("DeferVariant.valueOf(name)", code("\"PER_PLANET\""), IAE, "No enum constant org.percpudefer.defer.DeferVariant.PER_PLANET",
                    () -> DeferVariant.valueOf("PER_PLANET")),
            fails("LockKind.valueOf(name)", code("\"ttas\"") + " (names are case-sensitive)", IAE,
                    "No enum constant org.percpudefer.defer.LockKind.ttas", () -> LockKind.valueOf("ttas")),
            fails("DeferLists.install(machine, variant, lockKind, reclaimer, ledger)", "ledger null", NPE, "ledger",
                    () -> withMachine(1, m -> DeferLists.install(m, DeferVariant.PER_CPU_LOCKED, LockKind.TTAS, o -> { }, null))),
            fails("Ledger.allocated(obj)", "null", NPE, "obj", () -> new Ledger().allocated(null)),
            fails("Ledger.allocated(obj)", "an object already allocated (put into circulation twice)", ISE,
                    "allocated twice (put into circulation again while not free) of object #1", () -> {
                        Ledger ledger = new Ledger();
                        Obj obj = new Obj();
                        ledger.allocated(obj);
                        ledger.allocated(obj);
                    }),
            fails("Ledger.allocated(obj)", "an object another ledger tracks", IAE, "another ledger tracks it as object #1", () -> {
                Obj obj = new Obj();
                new Ledger().allocated(obj);
                new Ledger().allocated(obj);
            }),
            fails("Ledger.used(obj)", "an object the ledger never saw allocated", IAE, "but this ledger never saw it allocated",
                    () -> new Ledger().used(new Obj())),
            fails("Ledger.forget(obj)", "an object not free", ISE, "forgotten while not free of object #1", () -> {
                Ledger ledger = new Ledger();
                Obj obj = new Obj();
                ledger.allocated(obj);
                ledger.forget(obj);
            }),
            fails("Ledger.historyOf(obj)", "an object the ledger never saw allocated", IAE, "foreign object",
                    () -> new Ledger().historyOf(new Obj())),
            fails("DeferPool.builder(factory)", "null", NPE, "factory", () -> DeferPool.builder(null)),
            fails("DeferPool.Builder.maxOwners(n)", "0", IAE, "maxOwners 0 is out of range (allowed: 1..65536)",
                    () -> DeferPool.builder(Buf::new).maxOwners(0)),
            fails("DeferPool.Builder.maxOwners(n)", "65537", IAE, "maxOwners 65537 is out of range (allowed: 1..65536)",
                    () -> DeferPool.builder(Buf::new).maxOwners(65_537)),
            fails("DeferPool.Builder.cacheSize(n)", "-1", IAE, "cacheSize -1 is out of range (allowed: 0..1048576)",
                    () -> DeferPool.builder(Buf::new).cacheSize(-1)),
            fails("DeferPool.Builder.cacheSize(n)", "1048577", IAE, "cacheSize 1048577 is out of range (allowed: 0..1048576)",
                    () -> DeferPool.builder(Buf::new).cacheSize(1_048_577)),
            fails("DeferPool.Builder.deferMax(n)", "-1", IAE, "deferMax -1 is out of range (allowed: 0..2147483647)",
                    () -> DeferPool.builder(Buf::new).deferMax(-1)),
            fails("DeferPool.Builder.whenFull(policy)", "null", NPE, "whenFull", () -> DeferPool.builder(Buf::new).whenFull(null)),
            fails("DeferPool.Builder.variant(v, kind)", code("NONE") + " (or " + code("PER_SOCKET") + ", " + code("PER_NODE") + ")", IAE,
                    "variant NONE does not send objects home (allowed: PER_CPU_LOCKED, PER_CPU_LLIST, BATCHED)",
                    () -> DeferPool.builder(Buf::new).variant(DeferVariant.NONE, LockKind.TTAS)),
            fails("DeferPool.Builder.variant(v, kind)", "v null", NPE, "variant",
                    () -> DeferPool.builder(Buf::new).variant(null, LockKind.TTAS)),
            fails("DeferPool.Builder.variant(v, kind)", "kind null", NPE, "lock",
                    () -> DeferPool.builder(Buf::new).variant(DeferVariant.PER_CPU_LOCKED, null)),
            fails("DeferPool.WhenFull.valueOf(name)", code("\"BLOCK\""), IAE, "No enum constant org.percpudefer.defer.DeferPool.WhenFull.BLOCK",
                    () -> DeferPool.WhenFull.valueOf("BLOCK")),
            fails("DeferPool.register(kick)", "null", NPE, "kick", () -> pool().register(null)),
            fails("DeferPool.register(kick)", "a thread that is already an owner", ISE, "is already an owner of this pool",
                    () -> onThread(() -> {
                        DeferPool<Buf> p = pool();
                        p.register(() -> { });
                        return p.register(() -> { });
                    })),
            fails("DeferPool.register(kick)", "every slot taken (maxOwners)", ISE,
                    "all 1 owner slots are taken (allowed: maxOwners; close an owner first)", BadInputApiTest::registerPastMaxOwners),
            fails("DeferPool.register(kick)", "a closed pool", ISE, "the pool is closed", () -> closedPool().register(() -> { })),
            fails("DeferPool.acquire()", "a closed pool", ISE, "the pool is closed", () -> closedPool().acquire()),
            fails("DeferPool.acquire()", "a factory that returns null", ISE, "the factory returned null (allowed: a new object each time)",
                    () -> DeferPool.<Buf>builder(() -> null).build().acquire()),
            fails("DeferPool.acquire()", "a factory that returns an object again", ISE, "the factory returned an object it returned before",
                    () -> {
                        Buf one = new Buf();
                        DeferPool<Buf> p = DeferPool.<Buf>builder(() -> one).build();
                        p.acquire();
                        p.acquire();
                    }),
            fails("DeferPool.acquire()", "a factory that returns another pool's object", ISE,
                    "the factory returned an object of another pool (allowed: a new object each time)",
                    () -> {
                        DeferPool<Buf> first = DeferPool.builder(Buf::new).build();
                        Buf theirs = first.acquire();
                        DeferPool.<Buf>builder(() -> theirs).build().acquire();
                    }),
            fails("DeferPool.release(obj)", "null", NPE, "obj", () -> pool().release(null)),
            fails("DeferPool.release(obj)", "an object of another pool", IAE, "belongs to another pool (allowed: objects acquired from this pool)",
                    () -> pool().release(pool().acquire())),
            fails("DeferPool.release(obj)", "an object released twice", ISE, "released twice (it is not in use)", () -> {
                DeferPool<Buf> p = pool();
                Buf b = p.acquire();
                p.release(b);
                p.release(b);
            }),
            fails("DeferPool.release(obj)", "a closed pool", ISE, "the pool is closed", () -> {
                DeferPool<Buf> p = pool();
                Buf b = p.acquire();
                p.close();
                p.release(b);
            }),
            fails("DeferPool.Owner.acquire()", "a closed owner", ISE, "owner 0 is closed", () -> onThread(() -> {
                DeferPool.Owner<Buf> o = pool().register(() -> { });
                o.close();
                return o.acquire();
            })),
            fails("DeferPool.Owner.acquire()", "called on another thread than the owner's", ISE, "owner 0 used on thread", () -> {
                DeferPool.Owner<Buf> o = onThread(() -> pool().register(() -> { }));
                o.acquire();
            }),
            fails("DeferPool.Owner.acquire()", "a closed pool", ISE, "the pool is closed", () -> onThread(() -> {
                DeferPool<Buf> p = pool();
                DeferPool.Owner<Buf> o = p.register(() -> { });
                p.close();
                return o.acquire();
            })),
            fails("DeferPool.Owner.release(obj)", "null", NPE, "obj", () -> onThread(() -> {
                pool().register(() -> { }).release(null);
                return null;
            })),
            fails("DeferPool.Owner.release(obj)", "its own object released twice", ISE, "released twice (it is not in use)",
                    () -> onThread(() -> {
                        DeferPool.Owner<Buf> o = pool().register(() -> { });
                        Buf b = o.acquire();
                        o.release(b);
                        o.release(b);
                        return null;
                    })),
            fails("DeferPool.Owner.release(obj)", "another owner's object released twice", ISE, "released twice (it is not in use)",
                    BadInputApiTest::releaseOthersTwice),
            fails("DeferPool.Owner.release(obj)", "an object of another pool", IAE, "belongs to another pool", () -> onThread(() -> {
                pool().register(() -> { }).release(pool().acquire());
                return null;
            })),
            fails("DeferPool.Owner.release(obj)", "a closed owner", ISE, "owner 0 is closed", () -> onThread(() -> {
                DeferPool.Owner<Buf> o = pool().register(() -> { });
                Buf b = o.acquire();
                o.close();
                o.release(b);
                return null;
            })),
            accepts("DeferPool.Owner.release(obj)", "an object an unregistered thread acquired", "dropped=1",
                    "it has no owner to go home to: dropped (" + code("WhenFull.DROP") + ") or kept here (" + code("KEEP")
                    + "), as when its owner is gone", BadInputApiTest::releaseGuestObject),
            fails("DeferPool.Owner.drain()", "a closed owner", ISE, "owner 0 is closed", () -> onThread(() -> {
                DeferPool.Owner<Buf> o = pool().register(() -> { });
                o.close();
                return o.drain();
            })),
            fails("DeferPool.Owner.close()", "called on another thread than the owner's", ISE, "owner 0 used on thread", () -> {
                DeferPool.Owner<Buf> o = onThread(() -> pool().register(() -> { }));
                o.close();
            }),

            // ---------------------------------------------------------------- net
            fails("FlowConfig.withCpus(n, nic, reader)", "n 0", IAE, "cpus 0 is out of range (allowed: 1..1024)",
                    () -> FlowConfig.defaults().withCpus(0, 0, 0)),
            fails("FlowConfig.withCpus(n, nic, reader)", "nic 2, with n 2", IAE, "NIC cpu 2 is out of range (allowed: 0..1)",
                    () -> FlowConfig.defaults().withCpus(2, 2, 1)),
            fails("FlowConfig.withCpus(n, nic, reader)", "reader -1", IAE, "reader cpu -1 is out of range (allowed: 0..1)",
                    () -> FlowConfig.defaults().withCpus(2, 0, -1)),
            fails("FlowConfig.withSizes(groSize, rcvbuf)", "groSize 0", IAE, "GRO size 0 is out of range (allowed: 4096..524288)",
                    () -> FlowConfig.defaults().withSizes(0, 1 << 20)),
            fails("FlowConfig.withSizes(groSize, rcvbuf)", "groSize 6000", IAE,
                    "GRO size 6000 is not a whole number of 4096-byte fragments (allowed: multiples of 4096)",
                    () -> FlowConfig.defaults().withSizes(6000, 1 << 20)),
            fails("FlowConfig.withSizes(groSize, rcvbuf)", "rcvbuf 100", IAE, "rcvbuf 100 is out of range (allowed: 4096..268435456)",
                    () -> FlowConfig.defaults().withSizes(4096, 100)),
            fails("FlowConfig.withPoolAndDeferMax(pool, max)", "pool -1", IAE, "page pool size -1 is out of range (allowed: 0..1048576)",
                    () -> FlowConfig.defaults().withPoolAndDeferMax(-1, 64)),
            fails("FlowConfig.withPoolAndDeferMax(pool, max)", "max 1048577", IAE, "defer max 1048577 is out of range (allowed: 0..1048576)",
                    () -> FlowConfig.defaults().withPoolAndDeferMax(256, 1_048_577)),
            fails("FlowConfig.withVariant(v)", "null", NPE, "variant", () -> FlowConfig.defaults().withVariant(null)),
            fails("FlowConfig.withLockAndPin(kind, pinned)", "kind null", NPE, "lock", () -> FlowConfig.defaults().withLockAndPin(null, false)),
            fails("FlowConfig.withDma(who)", "null", NPE, "dma", () -> FlowConfig.defaults().withDma(null)),
            fails("Dma.valueOf(name)", code("\"NIC\""), IAE, "No enum constant org.percpudefer.net.Dma.NIC", () -> Dma.valueOf("NIC")),
            fails("Flow.start(config)", "null", NPE, "config", () -> Flow.start(null)),
            fails("Flow.start(config, ledger)", "ledger null", NPE, "ledger", () -> Flow.start(FlowConfig.defaults(), null)),
            fails("Flow.stop(timeout, unit)", "unit null", NPE, "unit", BadInputApiTest::stopWithoutUnit),
            fails("new PageAllocator(cpus, pages, high, batch)", "cpus 0", IAE, "cpus 0 is out of range (allowed: 1..1024)",
                    () -> new PageAllocator(0, 16, 8, 4)),
            fails("new PageAllocator(cpus, pages, high, batch)", "cpus 1025", IAE, "cpus 1025 is out of range (allowed: 1..1024)",
                    () -> new PageAllocator(1025, 16, 8, 4)),
            fails("new PageAllocator(cpus, pages, high, batch)", "pages 0", IAE, "zone of 0 pages is out of range (allowed: 1..262144)",
                    () -> new PageAllocator(1, 0, 8, 4)),
            fails("new PageAllocator(cpus, pages, high, batch)", "pages 262145", IAE, "zone of 262145 pages is out of range (allowed: 1..262144)",
                    () -> new PageAllocator(1, 262_145, 8, 4)),
            fails("new PageAllocator(cpus, pages, high, batch)", "batch 0", IAE, "pcp batch 0 is out of range (allowed: 1..16, the zone's pages)",
                    () -> new PageAllocator(1, 16, 8, 0)),
            fails("new PageAllocator(cpus, pages, high, batch)", "high 2, below batch 4", IAE,
                    "pcp high 2 is out of range (allowed: batch 4..16, the zone's pages)", () -> new PageAllocator(1, 16, 2, 4)),
            fails("new PageAllocator(cpus, pages, high, batch)", "high 17, above the zone's 16 pages", IAE,
                    "pcp high 17 is out of range (allowed: batch 4..16, the zone's pages)", () -> new PageAllocator(1, 16, 17, 4)),
            fails("PageAllocator.alloc(cpu)", "1, with 1 CPU", IAE, "cpu 1 is out of range (allowed: 0..0)", () -> zone().alloc(1)),
            fails("PageAllocator.free(cpu, pfn)", "pfn 16, in a zone of 16 pages", IAE, "page 16 is not in this zone (allowed: 0..15)",
                    () -> zone().free(0, 16)),
            fails("PageAllocator.free(cpu, pfn)", "cpu -1", IAE, "cpu -1 is out of range (allowed: 0..0)", () -> zone().free(-1, 0)),
            fails("PageAllocator.free(cpu, pfn)", "a page freed again: caught when it reaches the zone (a spill), not on the CPU's list",
                    ISE, "page 0 freed twice: it is already free in the zone", BadInputApiTest::freePageAgain),
            fails("PageAllocator.pcpCount(cpu)", "1, with 1 CPU", IAE, "cpu 1 is out of range (allowed: 0..0)", () -> zone().pcpCount(1)),
            fails("PageAllocator.offset(pfn)", "-1", IAE, "page -1 is out of range (allowed: 0..262143)", () -> PageAllocator.offset(-1)),
            fails("new PagePool(allocator, owner, size)", "allocator null", NPE, "allocator", () -> new PagePool(null, 0, 8)),
            fails("new PagePool(allocator, owner, size)", "owner 1, with 1 CPU", IAE, "cpu 1 is out of range (allowed: 0..0)",
                    () -> new PagePool(zone(), 1, 8)),
            fails("new PagePool(allocator, owner, size)", "size -1", IAE, "page pool size -1 is out of range (allowed: 0..1048576)",
                    () -> new PagePool(zone(), 0, -1)),
            fails("new PagePool(allocator, owner, size)", "size 1048577", IAE, "page pool size 1048577 is out of range (allowed: 0..1048576)",
                    () -> new PagePool(zone(), 0, 1_048_577)),
            fails("PagePool.put(pfn, cpu, inNapi)", "pfn 16, in a zone of 16 pages", IAE, "page 16 is not in this zone (allowed: 0..15)",
                    () -> new PagePool(zone(), 0, 8).put(16, 0, true)),
            fails("PagePool.put(pfn, cpu, inNapi)", "cpu 1, with 1 CPU", IAE, "cpu 1 is out of range (allowed: 0..0)",
                    () -> new PagePool(zone(), 0, 8).put(0, 1, false)),
            fails("PagePool.drainTo(cpu)", "-1", IAE, "cpu -1 is out of range (allowed: 0..0)", () -> new PagePool(zone(), 0, 8).drainTo(-1)),
            fails("new SlabCache(cpus, magazine, factory)", "cpus 0", IAE, "cpus 0 is out of range (allowed: 1..1024)",
                    () -> new SlabCache<>(0, 64, Object::new)),
            fails("new SlabCache(cpus, magazine, factory)", "magazine 1", IAE, "magazine 1 is out of range (allowed: 2..1048576)",
                    () -> new SlabCache<>(1, 1, Object::new)),
            fails("new SlabCache(cpus, magazine, factory)", "magazine 1048577", IAE, "magazine 1048577 is out of range (allowed: 2..1048576)",
                    () -> new SlabCache<>(1, 1_048_577, Object::new)),
            fails("new SlabCache(cpus, magazine, factory)", "factory null", NPE, "factory", () -> new SlabCache<>(1, 64, null)),
            fails("SlabCache.alloc(cpu)", "2, with 2 CPUs", IAE, "cpu 2 is out of range (allowed: 0..1, or -1 for a thread that is no CPU)",
                    () -> new SlabCache<>(2, 64, Object::new).alloc(2)),
            fails("SlabCache.alloc(cpu)", "-2", IAE, "cpu -2 is out of range (allowed: 0..1, or -1 for a thread that is no CPU)",
                    () -> new SlabCache<>(2, 64, Object::new).alloc(-2)),
            fails("SlabCache.free(cpu, obj)", "obj null", NPE, "obj", () -> new SlabCache<>(2, 64, Object::new).free(0, null)),
            fails("SlabCache.free(cpu, obj)", "cpu 2, with 2 CPUs", IAE, "cpu 2 is out of range (allowed: 0..1, or -1 for a thread that is no CPU)",
                    () -> new SlabCache<>(2, 64, Object::new).free(2, new Object())),
            fails("new Socket(rcvbuf, minTruesize)", "rcvbuf 0", IAE, "rcvbuf 0 is out of range (allowed: 1..)", () -> new Socket(0, 4096)),
            fails("new Socket(rcvbuf, minTruesize)", "minTruesize 0", IAE, "truesize 0 is out of range (allowed: 1..)",
                    () -> new Socket(1 << 20, 0)),
            fails("Socket.tryQueue(skb)", "null", NPE, "skb", () -> new Socket(1 << 20, 4096).tryQueue(null)),
            fails("Socket.hasRoom(truesize)", "-1", IAE, "truesize -1 is out of range (allowed: 0..)", () -> new Socket(1 << 20, 4096).hasRoom(-1)),
            fails("Socket.uncharge(truesize)", "-1", IAE, "truesize -1 is out of range (allowed: 0..)", () -> new Socket(1 << 20, 4096).uncharge(-1)),
            fails("Socket.uncharge(truesize)", "more than is charged (an skb uncharged twice)", ISE,
                    "uncharge of 4096 bytes, but only 0 are charged", () -> new Socket(1 << 20, 4096).uncharge(4096)),

            // ---------------------------------------------------------------- stress
            fails("new StressConfig(cpus, ...)", "1", IAE, "cpus 1 is out of range (allowed: 2..1024",
                    () -> StressConfig.of(DeferVariant.NONE, 1).withCpus(1)),
            fails("new StressConfig(..., objects, ...)", "0", IAE, "objects 0 is out of range (allowed: 1..9223372036854775807)",
                    () -> StressConfig.of(DeferVariant.NONE, 0)),
            fails("new StressConfig(..., seconds, ...)", "86401", IAE, "seconds 86401 is out of range (allowed: 0..86400; 0 for no time limit)",
                    () -> StressConfig.of(DeferVariant.NONE, 1).withSeconds(86_401)),
            fails("new StressConfig(..., variant, ...)", "null", NPE, "variant", () -> StressConfig.of(null, 1)),
            fails("Stress.run(config, progress)", "config null", NPE, "config", () -> Stress.run(null, (f, t, s) -> { })),
            fails("Stress.run(config, progress)", "progress null", NPE, "progress",
                    () -> Stress.run(StressConfig.of(DeferVariant.NONE, 1), null)),

            // ---------------------------------------------------------------- ordering, cli
            fails("SpinLock.unlock()", "a lock that is not held", ISE, "unlock() of a SpinLock that is not held", () -> new SpinLock().unlock()),
            fails("Main.run(out, err, args)", "out null", NPE, "out", () -> Main.run(null, new PrintWriter(new StringWriter()))),
            fails("Main.run(out, err, args)", "args null", NPE, "args",
                    () -> Main.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), (String[]) null))
        );
    }

    static Row fails(String where, String bad, Class<? extends Throwable> type, String message, Call call) {
        return new Row(code(where), bad, new Throws(type, message), () -> {
            call.run();
            return null;
        });
    }

    static Row accepts(String where, String bad, String value, String what, Probe probe) {
        return new Row(code(where), bad, new Accepted(value, what), probe);
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("rows")
    void badInput_givesTheDocumentedResult(Row row) throws Throwable {
        if (row.expected() instanceof Accepted a) {
            assertThat(String.valueOf(row.probe().get())).isEqualTo(a.value());
            return;
        }
        Throws t = (Throws) row.expected();
        Throwable e = catchThrowable(() -> row.probe().get());
        assertThat(e).as("thrown by " + row).isNotNull();
        assertThat(e.getClass()).as(e.toString()).isEqualTo(t.type());
        assertThat(e.getMessage()).contains(t.message());
        if (t.type() == NPE) {
            assertThat(e.getStackTrace()[0].getClassName()).as("thrown by Objects.requireNonNull").isEqualTo("java.util.Objects");
        }
    }

    @Test
    void readme_holdsThisTable() throws IOException {
        List<String[]> cells = new ArrayList<>();
        for (Row r : rows()) {
            cells.add(new String[] {r.where(), r.bad(), r.expected().markdown()});
        }
        BadInputTable.assertReadmeHas(getClass().getSimpleName(), BadInputTable.markdown(cells));
    }

    // ---------------------------------------------------------------- fixtures

    /** A pooled object. */
    static final class Buf extends Pooled {
    }

    /** A deferrable object. */
    static final class Obj extends Deferrable {
    }

    /** Something done with a machine. */
    @FunctionalInterface
    interface MachineCall {
        void run(Machine machine) throws Throwable;
    }

    /** Something done with defer lists. */
    @FunctionalInterface
    interface ListsCall {
        void run(DeferLists<Obj> lists) throws Throwable;
    }

    /** Something done on a simulated CPU, giving a value. */
    @FunctionalInterface
    interface CpuProbe {
        Object get(Cpu cpu) throws Throwable;
    }

    /** Something done on a simulated CPU. */
    @FunctionalInterface
    interface CpuCall {
        void run(Cpu cpu) throws Throwable;
    }

    static Machine boot(int cpus) {
        return Machine.boot(MachineConfig.of(cpus).withPin(false));
    }

    static void withMachine(int cpus, MachineCall call) throws Throwable {
        try (Machine m = boot(cpus)) {
            call.run(m);
        }
    }

    static Machine closedMachine() {
        Machine m = boot(1);
        m.close();
        return m;
    }

    /** Runs {@code probe} on cpu0 of a fresh machine and returns what it returned, or throws what it threw. */
    static Object fromCpu(int cpus, CpuProbe probe) throws Throwable {
        try (Machine m = boot(cpus)) {
            CompletableFuture<Object> done = new CompletableFuture<>();
            m.host(0, cpu -> {
                try {
                    done.complete(probe.get(cpu));
                } catch (Throwable e) {
                    done.completeExceptionally(e);
                }
                return CpuTask.DONE;
            });
            try {
                return done.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw e.getCause();
            }
        }
    }

    static void onCpu(int cpus, CpuCall call) throws Throwable {
        fromCpu(cpus, cpu -> {
            call.run(cpu);
            return null;
        });
    }

    static void withLists(int cpus, ListsCall call) throws Throwable {
        withMachine(cpus, m -> call.run(DeferLists.install(m, DeferVariant.PER_CPU_LOCKED, LockKind.TTAS, o -> { })));
    }

    /** Runs {@code probe} on a new thread and returns what it returned, or throws what it threw. */
    static <V> V onThread(ThreadProbe<V> probe) throws Throwable {
        CompletableFuture<V> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                done.complete(probe.get());
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "bad-input");
        t.start();
        try {
            return done.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    /** Something done on another thread, giving a value. */
    @FunctionalInterface
    interface ThreadProbe<V> {
        V get() throws Throwable;
    }

    static DeferPool<Buf> pool() {
        return DeferPool.builder(Buf::new).build();
    }

    static DeferPool<Buf> closedPool() {
        DeferPool<Buf> p = pool();
        p.close();
        return p;
    }

    static Sampler.Profile profile(int cpus) {
        try (Machine m = boot(cpus); Sampler s = Sampler.start(m, 1000)) {
            return s.stop();
        }
    }

    static PageAllocator zone() {
        return new PageAllocator(1, 16, 8, 4);
    }

    static String csdResult(int code) {
        return code == CallSingleData.SENT ? "SENT" : code == CallSingleData.BUSY ? "BUSY" : code == CallSingleData.OFFLINE ? "OFFLINE" : "" + code;
    }

    /** A machine whose CPUs never run: the first IPI stays queued, in flight. */
    static Object sendTwice() {
        Machine m = Machine.detached(MachineConfig.of(1));
        CallSingleData csd = new CallSingleData(cpu -> { });
        assertThat(m.callFunctionSingleAsync(0, csd)).isEqualTo(CallSingleData.SENT);
        return csdResult(m.callFunctionSingleAsync(0, csd));
    }

    static Object deferUnrecorded() throws Throwable {
        return fromCpu(2, cpu -> {
            DeferLists<Obj> lists = DeferLists.install(cpu.machine(), DeferVariant.PER_CPU_LOCKED, LockKind.TTAS, o -> { });
            int how = lists.attemptDeferFree(new Obj());
            return how == DeferLists.LOCAL_OFFLINE ? "LOCAL_OFFLINE" : "" + how;
        });
    }

    static void registerPastMaxOwners() throws Throwable {
        DeferPool<Buf> p = DeferPool.builder(Buf::new).maxOwners(1).build();
        p.register(() -> { }); // this thread takes the only slot, and lives on while the next one asks
        onThread(() -> p.register(() -> { }));
    }

    static void releaseOthersTwice() throws Throwable {
        DeferPool<Buf> p = pool();
        Buf b = p.register(() -> { }).acquire(); // owner 0, this thread, alive: the other owner's releases race with cmpxchg
        onThread(() -> {
            DeferPool.Owner<Buf> other = p.register(() -> { });
            other.release(b);
            other.release(b);
            return null;
        });
    }

    static Object releaseGuestObject() throws Throwable {
        DeferPool<Buf> p = pool();
        Buf guest = onThread(p::acquire); // an unregistered thread's object: it has no owner
        onThread(() -> {
            p.register(() -> { }).release(guest);
            return null;
        });
        return "dropped=" + p.close().dropped();
    }

    static void stopWithoutUnit() throws Throwable {
        Flow f = Flow.start(FlowConfig.defaults().withSizes(4096, 1 << 16).withLockAndPin(LockKind.TTAS, false));
        try {
            f.stop(1, null);
        } finally {
            f.stop(60, TimeUnit.SECONDS);
        }
    }

    static void freePageAgain() {
        PageAllocator z = new PageAllocator(1, 16, 1, 1); // high = batch = 1: a full list spills before each free
        int pfn = z.alloc(0);
        z.free(0, pfn); // onto the CPU's list
        z.free(0, pfn); // the list spills it to the zone, then takes it again: not detected yet
        z.free(0, pfn); // the spill finds it free in the zone
    }
}
