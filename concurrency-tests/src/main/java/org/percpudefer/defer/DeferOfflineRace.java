package org.percpudefer.defer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;
import org.percpudefer.cpu.Machine;
import org.percpudefer.cpu.MachineConfig;
import org.percpudefer.defer.Fixture.Obj;

/**
 * Hazard: a deferral racing its target CPU going offline leaves the object on the offline CPU's list
 * for good (the kernel drained lists of dead CPUs only from 2026, 06e3f54e8b). End to end on a real
 * two-CPU machine with the shipping PER_CPU_LOCKED lists: the object belongs to CPU 1; the actor defers
 * it (playing CPU 0) and waits until it is freed; the signal takes CPU 1 offline. Whichever comes first,
 * the object must be freed: locally if CPU 1 is already offline, by CPU 1's offline drain if the push
 * came first, or by CPU 1 flushing again because the push onto its empty list woke it.
 *
 * <p>The ordering decisions it runs end to end (the defer lists' part is {@link DeferOfflineFlush}, on a
 * test {@code Homes}, decision by decision):
 * <ul>
 *   <li>{@code Cpu.state}: {@code Machine.offline} writes OFFLINE with smp_store_release
 *       ({@code Cpu.request}); CPU 1's loop reads it with smp_load_acquire at the top of each pass, so
 *       it sees the hotplug caller's bookkeeping before it acts on the change. The producer's online check
 *       ({@code Cpu.isOnline}, through {@code Homes.online}) and the IPI senders' check read it with
 *       READ_ONCE: a hint only, which may be stale both ways.</li>
 *   <li>The hotplug acknowledgement: CPU 1 runs its offline hooks (the lists' drain) and then records the
 *       state under the {@code ackLock} monitor, which the caller of {@code offline()} waits on, so when
 *       {@code offline()} returns (the signal's release of {@code offlined}) the drain has happened before
 *       it (monitor exit, then enter). The actor reads {@code offlined} with smp_load_acquire before it
 *       closes the machine.</li>
 *   <li>The push against the drain (the defer lock), and the wake of CPU 1 by the push that made its
 *       list non-empty ({@code Inbox}, SB+fencembonceonces, {@code InboxLostWakeup}); a woken CPU runs its
 *       idle hooks, which flush, offline included.</li>
 * </ul>
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t DeferOfflineRace}
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the object was freed, whichever came first")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "the object is stranded on the offline CPU's list")
@State
public class DeferOfflineRace {

    private static final VarHandle OFFLINED;

    static {
        try {
            OFFLINED = MethodHandles.lookup().findVarHandle(DeferOfflineRace.class, "offlined", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Machine machine = Machine.boot(MachineConfig.of(2).withPin(false).withParkAtOnce());
    private final DeferLists<Obj> lists = DeferLists.install(machine, DeferVariant.PER_CPU_LOCKED, LockKind.TTAS,
            obj -> obj.frees.incrementAndGet());
    private final Obj obj = new Obj();
    @SuppressWarnings("unused")
    private int offlined;

    public DeferOfflineRace() {
        obj.allocatedOn(1);
    }

    @Actor
    public void producer() {
        lists.defer(0, obj); // CPU 0 is idle: the actor plays it
        while (obj.frees.get() == 0) {
            Thread.onSpinWait();
        }
        while ((int) OFFLINED.getAcquire(this) == 0) { // let offline() finish before closing
            Thread.onSpinWait();
        }
        machine.close();
    }

    @Signal
    public void hotplug() {
        machine.offline(1);
        OFFLINED.setRelease(this, 1);
    }
}
