package org.percpudefer.cpu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Hazard: a CPU finds a callback that another thread just registered, but not the callback's own state:
 * it runs a hook, softirq handler or task whose fields it reads as they were before the registration
 * (null, 0), on a machine that is already running. What {@link Machine} and {@link Cpu} publish this way:
 * <ul>
 *   <li>{@link Machine#addIdleHook} and {@link Machine#addOfflineHook}: the hook arrays are copied on
 *       write (under the {@code hotplug} monitor, which orders writers only) and published with
 *       smp_store_release; each CPU reads the array with smp_load_acquire ({@code idleHooks()},
 *       {@code offlineHooks()}) and then its elements and the hooks' fields plainly.</li>
 *   <li>{@link Machine#openSoftirq}: smp_store_release of one element of the handler array, read with
 *       smp_load_acquire ({@code softirqHandler(nr)}).</li>
 *   <li>{@link Machine#host}: the task installed with cmpxchg (fully ordered, so at least a release), read
 *       by the CPU's loop with smp_load_acquire ({@code Cpu.hostedTask()}, as {@code stepTask} reads it).</li>
 * </ul>
 * Each is message passing, MP+pooncerelease+poacquireonce (Never): the writer's plain store to the
 * callback's field comes before the release (or cmpxchg), the reader's plain load of it after the acquire
 * that saw the callback. The readers here are the shipping accessors on a {@link Machine#detached
 * detached} machine, whose CPU threads never run: the second actor plays the CPU.
 *
 * <p>Result columns: whether the reader found the callback ({@code 1}), and the callback's field as it
 * then read it ({@code 0} when it found none).
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t HookPublication}
 */
public final class HookPublication {

    private HookPublication() {
    }

    /** A callback with a plain field, which the registering thread sets after construction. */
    abstract static class Marked {
        int mark; // plain, not final: no constructor freeze orders it
    }

    static final class MarkedHook extends Marked implements CpuHook {
        @Override
        public int run(Cpu cpu) {
            return mark;
        }
    }

    static final class MarkedHandler extends Marked implements SoftirqHandler {
        @Override
        public void run(Cpu cpu) {
            // never run: the machine is detached
        }
    }

    static final class MarkedTask extends Marked implements CpuTask {
        @Override
        public int step(Cpu cpu) {
            return mark;
        }
    }

    /** The reader's result: the callback's mark, or 0, 0 when none was published yet. */
    static void read(Object found, II_Result r) {
        if (found == null) {
            r.r1 = 0;
            r.r2 = 0;
        } else {
            r.r1 = 1;
            r.r2 = ((Marked) found).mark;
        }
    }

    static Machine machine() {
        return Machine.detached(MachineConfig.of(1));
    }

    static <M extends Marked> M marked(M m) {
        m.mark = 1; // plain, before the publication
        return m;
    }

    /** {@link Machine#addIdleHook} against a CPU's {@code idleHooks()}. */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the CPU read the array before the hook was added")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the CPU found the hook, its field set")
    @Outcome(id = "1, 0", expect = FORBIDDEN,
            desc = "MP+pooncerelease+poacquireonce: Never. The CPU runs the new idle hook with its field unset")
    @State
    public static class IdleHook {
        private final Machine machine = machine();

        @Actor
        public void register() {
            machine.addIdleHook(marked(new MarkedHook()));
        }

        @Actor
        public void cpu(II_Result r) {
            CpuHook[] hooks = machine.idleHooks();
            read(hooks.length == 0 ? null : hooks[0], r);
        }
    }

    /** {@link Machine#addOfflineHook} against a CPU's {@code offlineHooks()}. */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the CPU read the array before the hook was added")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the CPU found the hook, its field set")
    @Outcome(id = "1, 0", expect = FORBIDDEN,
            desc = "MP+pooncerelease+poacquireonce: Never. The CPU going offline runs the new hook with its field unset")
    @State
    public static class OfflineHook {
        private final Machine machine = machine();

        @Actor
        public void register() {
            machine.addOfflineHook(marked(new MarkedHook()));
        }

        @Actor
        public void cpu(II_Result r) {
            CpuHook[] hooks = machine.offlineHooks();
            read(hooks.length == 0 ? null : hooks[0], r);
        }
    }

    /** {@link Machine#openSoftirq} against a CPU's {@code softirqHandler(nr)}. */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the CPU read the slot before the handler was opened")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the CPU found the handler, its field set")
    @Outcome(id = "1, 0", expect = FORBIDDEN,
            desc = "MP+pooncerelease+poacquireonce: Never. The CPU runs the new NET_RX handler with its field unset")
    @State
    public static class SoftirqAction {
        private final Machine machine = machine();

        @Actor
        public void open() {
            machine.openSoftirq(Softirq.NET_RX, marked(new MarkedHandler()));
        }

        @Actor
        public void cpu(II_Result r) {
            read(machine.softirqHandler(Softirq.NET_RX), r);
        }
    }

    /** {@link Machine#host} (cmpxchg) against the CPU loop's smp_load_acquire of {@code Cpu.task}. */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the CPU looked before the task was hosted")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the CPU found the task, its field set")
    @Outcome(id = "1, 0", expect = FORBIDDEN,
            desc = "cmpxchg then acquire: Never. The CPU steps the new task with its field unset")
    @State
    public static class HostedTask {
        private final Machine machine = machine();

        @Actor
        public void host() {
            machine.host(0, marked(new MarkedTask()));
        }

        @Actor
        public void cpu(II_Result r) {
            read(machine.cpu(0).hostedTask(), r);
        }
    }

    /**
     * A deliberately weakened copy of the hook arrays' publication: the copied array published with
     * WRITE_ONCE and read with READ_ONCE (opaque), which orders nothing between the array reference and
     * the hook's field (MP+poonceonces, Sometimes). The JMM and the LKMM allow {@code 1, 0}; x86/HotSpot
     * is not expected to show it (TSO keeps stores in order and loads in order, and C2 does not move a
     * plain access across an opaque one), so this may well count 0: the shipping release/acquire is for
     * the JMM and for weaker hardware, not for x86.
     */
    @JCStressTest
    @Outcome(id = {"0, 0", "1, 1"}, expect = ACCEPTABLE, desc = "as the shipping tests")
    @Outcome(id = "1, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "MP+poonceonces: Sometimes. The hook found, its field unset: why the arrays are released and acquired")
    @State
    public static class OpaqueHooks {
        private static final VarHandle HOOKS;

        static {
            try {
                HOOKS = MethodHandles.lookup().findVarHandle(OpaqueHooks.class, "hooks", CpuHook[].class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // HOOKS
        private CpuHook[] hooks = new CpuHook[0];

        @Actor
        public void register() {
            CpuHook[] old = (CpuHook[]) HOOKS.getOpaque(this);
            CpuHook[] more = Arrays.copyOf(old, old.length + 1);
            more[old.length] = marked(new MarkedHook());
            HOOKS.setOpaque(this, more); // WRITE_ONCE: the weakening
        }

        @Actor
        public void cpu(II_Result r) {
            CpuHook[] seen = (CpuHook[]) HOOKS.getOpaque(this); // READ_ONCE: the weakening
            read(seen.length == 0 ? null : seen[0], r);
        }
    }
}
