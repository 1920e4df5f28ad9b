package org.percpudefer.defer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.percpudefer.cpu.CallSingleData;
import org.percpudefer.cpu.Cpu;
import org.percpudefer.cpu.Machine;
import org.percpudefer.cpu.Softirq;
import org.percpudefer.ordering.Barriers;

/**
 * The kernel's skb defer-free lists on an emulated {@link Machine}, in one {@link DeferVariant}: a CPU
 * done with an object hands it to {@link #attemptDeferFree}, and the object is freed by the CPU that
 * allocated it, in bulk, when that CPU flushes.
 *
 * <pre>{@code
 * DeferLists<Skb> lists = DeferLists.install(machine, DeferVariant.PER_CPU_LOCKED, LockKind.TTAS, Skb::free);
 * // on the CPU that consumed the skb:
 * lists.attemptDeferFree(skb);   // DEFERRED, or a LOCAL_* reason when it was freed right here
 * }</pre>
 *
 * <h2>The contract (the 2022 form of {@code skb_attempt_defer_free})</h2>
 * <ul>
 *   <li>Free locally, now, on the calling CPU, when the object's {@code allocCpu} is the calling CPU
 *       ({@link #LOCAL_OWN}), out of range or offline ({@link #LOCAL_OFFLINE}), when {@code deferMax} is
 *       0 or the variant is {@code NONE} ({@link #LOCAL_DISABLED}), or when a lockless READ_ONCE of the
 *       target's count is {@code >= deferMax} ({@link #LOCAL_FULL}).</li>
 *   <li>Otherwise put it on the allocating CPU's list ({@link #DEFERRED}). The push that finds the count at
 *       {@code deferMax >> 1} (before its increment, so {@code deferMax == 1} always kicks) kicks: if
 *       cmpxchg(ipiScheduled, 0, 1) succeeds it sends an IPI whose handler raises NET_RX on the target and
 *       clears the flag with a release store. At most one kick IPI per target is in flight.</li>
 *   <li>The owner flushes at the end of each NET_RX run (installed here as the NET_RX action; a receive
 *       path that polls calls {@link #flush()} before each poll too): a lockless READ_ONCE of the head as
 *       a hint, then the whole list taken at once, the count reset (the lock-free lists subtract what
 *       they took), and every object freed outside the lock, on the allocating CPU.</li>
 * </ul>
 * Two variants keep only part of it, as their kernels did: {@code NONE} frees every object on the
 * calling CPU ({@link #LOCAL_DISABLED}); {@code PER_SOCKET} defers every object onto the calling CPU's
 * own socket list (bounded by {@code deferMax}), which that CPU drains.
 *
 * <h2>Bounds</h2>
 * <b>Count:</b> a locked list never holds more than {@code deferMax} objects (we re-check under the lock;
 * the kernel does not, so racing producers can push it past); a lock-free list can, transiently, by at
 * most one object per producer racing past the lockless check, and each such push is counted as an
 * overshoot. <b>Time</b>, which the kernel does not bound (its known leak on idle CPUs): an object on a
 * list is freed no later than the owner's next NET_RX run, or before the owner next parks, whichever
 * comes first; a push that makes an empty list non-empty wakes the owner if it sleeps, and every CPU
 * runs the flush as an idle hook before parking. {@code BATCHED} producers also hand their batches over
 * before they park. A CPU going offline drains its list (and its outgoing batches); a push that races
 * with that either finds the CPU offline (and frees locally), or lands before the drain's take-all (and
 * is drained), or lands on the list the drain emptied and wakes the CPU, which flushes again (idle hooks
 * run offline too): jcstress DeferOfflineFlush, DeferOfflineRace.
 *
 * <h2>Tuning</h2>
 * {@link #setDeferMax(int)} is the sysctl {@code net.core.skb_defer_max}: default
 * {@value #DEFAULT_DEFER_MAX} (the kernel raised its default to 128 in late 2025), 0 disables deferral,
 * negative values are rejected; a change takes effect on the next push.
 *
 * <p>Who may call what: {@link #attemptDeferFree} and {@link #flush()} only on a simulated CPU of the
 * machine; the getters from any thread; {@link #drain()} only after the machine is closed.
 *
 * @param <T> the deferred object type
 */
public abstract class DeferLists<T extends Deferrable> {

    /** The object was put on its allocating CPU's list (or, {@code BATCHED}, its batch towards it). */
    public static final int DEFERRED = 0;
    /** Freed here: it was allocated on this CPU. */
    public static final int LOCAL_OWN = DeferCounters.LOCAL_OWN;
    /** Freed here: its allocating CPU is offline or out of range. */
    public static final int LOCAL_OFFLINE = DeferCounters.LOCAL_OFFLINE;
    /** Freed here: the allocating CPU's list already holds {@code deferMax} objects. */
    public static final int LOCAL_FULL = DeferCounters.LOCAL_FULL;
    /** Freed here: deferral is disabled ({@code deferMax == 0}, or variant {@code NONE}). */
    public static final int LOCAL_DISABLED = DeferCounters.LOCAL_DISABLED;
    /** The sysctl's default; the kernel's was 64 until late 2025, 128 since. */
    public static final int DEFAULT_DEFER_MAX = 64;

    private static final VarHandle DEFER_MAX = DeferLock.handle(MethodHandles.lookup(), "deferMax", int.class);

    final Homes homes;
    final DeferVariant variant;
    final LockKind lockKind;
    final SoftnetData[] softnet;
    final DeferCounters[] counters;
    private final Reclaimer<? super T> reclaimer;
    /** The accounting mode's ledger, or null (off). Set by install before the lists are published. */
    private Ledger ledger;
    @SuppressWarnings("unused") // DEFER_MAX
    private int deferMax = DEFAULT_DEFER_MAX;

    DeferLists(Homes homes, DeferVariant variant, LockKind lockKind, int nodeLists, Reclaimer<? super T> reclaimer) {
        this.homes = homes;
        this.variant = variant;
        this.lockKind = lockKind;
        this.reclaimer = reclaimer;
        int cpus = homes.count();
        this.softnet = new SoftnetData[cpus];
        this.counters = new DeferCounters[cpus];
        McsLock.Node[] mcs = lockKind == LockKind.MCS ? McsLock.nodes(cpus) : null;
        for (int cpu = 0; cpu < cpus; cpu++) {
            DeferLock lock = variant.locked() ? DeferLock.of(lockKind, mcs) : null;
            softnet[cpu] = new SoftnetData(cpu, lock, nodeLists);
            softnet[cpu].deferCsd = new CallSingleData(this::triggerRxSoftirq);
            counters[cpu] = new DeferCounters();
        }
    }

    /**
     * Builds the defer lists of {@code machine} and installs them: as its NET_RX action (the flush at the
     * end of each run), as an idle hook (flush before parking) and as an offline hook (drain). One set of
     * lists per machine: a second install replaces the NET_RX action, and its hooks run beside the
     * first one's.
     *
     * @param machine   the running machine
     * @param variant   which step of the kernel's history to emulate
     * @param lockKind  the lock of the locked variants; ignored by the others
     * @param reclaimer what freeing an object means; called exactly once per object
     * @param <T>       the object type
     * @return the installed lists
     * @throws IllegalStateException if the machine is closed
     */
    public static <T extends Deferrable> DeferLists<T> install(Machine machine, DeferVariant variant,
            LockKind lockKind, Reclaimer<? super T> reclaimer) {
        return installWith(machine, variant, lockKind, reclaimer, null);
    }

    /**
     * {@link #install(Machine, DeferVariant, LockKind, Reclaimer)} in the accounting mode: every object handed
     * to {@link #attemptDeferFree} must have been recorded as allocated on {@code ledger}, which checks each
     * move (a double free or a foreign object throws on the calling CPU) and can account for every object at
     * shutdown ({@link Ledger#audit()}).
     *
     * @param machine   the running machine
     * @param variant   which step of the kernel's history to emulate
     * @param lockKind  the lock of the locked variants; ignored by the others
     * @param reclaimer what freeing an object means; called exactly once per object
     * @param ledger    the accounting mode's ledger
     * @param <T>       the object type
     * @return the installed lists
     * @throws IllegalStateException if the machine is closed
     */
    public static <T extends Deferrable> DeferLists<T> install(Machine machine, DeferVariant variant,
            LockKind lockKind, Reclaimer<? super T> reclaimer, Ledger ledger) {
        return installWith(machine, variant, lockKind, reclaimer, Objects.requireNonNull(ledger, "ledger"));
    }

    private static <T extends Deferrable> DeferLists<T> installWith(Machine machine, DeferVariant variant,
            LockKind lockKind, Reclaimer<? super T> reclaimer, Ledger ledger) {
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(lockKind, "lockKind");
        Objects.requireNonNull(reclaimer, "reclaimer");
        DeferLists<T> lists = create(Homes.of(machine), machine.nodes(), variant, lockKind, reclaimer);
        lists.ledger = ledger; // plain: openSoftirq's release store below publishes it with the lists
        machine.openSoftirq(Softirq.NET_RX, cpu -> lists.flushOn(cpu.id()));
        machine.addIdleHook(cpu -> lists.flushOn(cpu.id()));
        machine.addOfflineHook(cpu -> lists.flushOn(cpu.id())); // the drain: jcstress DeferOfflineFlush
        return lists;
    }

    /** The lists of {@code variant} over any kind of homes. */
    static <T extends Deferrable> DeferLists<T> create(Homes homes, int nodes, DeferVariant variant, LockKind lockKind,
            Reclaimer<? super T> reclaimer) {
        return switch (variant) {
            case NONE -> new NoDeferral<>(homes, reclaimer);
            case PER_SOCKET -> new PerSocketLists<>(homes, reclaimer);
            case PER_CPU_LOCKED, BATCHED -> new LockedLists<>(homes, variant, lockKind, reclaimer);
            case PER_CPU_LLIST -> new LlistLists<>(homes, variant, 1, reclaimer);
            case PER_NODE -> new LlistLists<>(homes, variant, nodes, reclaimer);
        };
    }

    /**
     * Frees {@code obj} on the CPU that allocated it if it can, else here (the kernel's
     * {@code skb_attempt_defer_free}). The caller gives up the object either way.
     *
     * @param obj the object; its {@code allocCpu} says where it goes
     * @return {@link #DEFERRED}, or the reason it was freed here: {@link #LOCAL_OWN},
     *         {@link #LOCAL_OFFLINE}, {@link #LOCAL_FULL}, {@link #LOCAL_DISABLED}
     * @throws IllegalStateException    if the calling thread is not a simulated CPU of this machine; in the
     *                                  accounting mode, if {@code obj} was already freed (double free)
     * @throws IllegalArgumentException in the accounting mode, if the ledger never saw {@code obj} allocated
     */
    public final int attemptDeferFree(T obj) {
        Objects.requireNonNull(obj, "obj");
        int self = homes.current("attemptDeferFree");
        if (ledger != null) {
            ledger.deferred(obj, self, variant); // throws before the object touches a list
        }
        return defer(self, obj);
    }

    /**
     * Flushes the calling CPU's defer list(s) now (the kernel's {@code skb_defer_free_flush}), and for
     * {@code BATCHED} hands its outgoing batches over. Runs by itself at the end of every NET_RX and
     * before the CPU parks; call it before each poll of a receive loop.
     *
     * @return objects freed and handed over
     * @throws IllegalStateException if the calling thread is not a simulated CPU of this machine
     */
    public final int flush() {
        return flushOn(homes.current("flush"));
    }

    /** @return {@code net.core.skb_defer_max} as set now */
    public final int deferMax() {
        return deferMaxOnce();
    }

    /**
     * Sets {@code net.core.skb_defer_max}; takes effect on the next push.
     *
     * @param deferMax {@code 0..Integer.MAX_VALUE}; 0 disables deferral
     * @throws IllegalArgumentException if negative
     */
    public final void setDeferMax(int deferMax) {
        if (deferMax < 0) {
            throw new IllegalArgumentException("deferMax " + deferMax
                    + " is out of range (allowed: 0.." + Integer.MAX_VALUE + "; 0 disables deferral)");
        }
        DEFER_MAX.setOpaque(this, deferMax); // WRITE_ONCE(sysctl): read with READ_ONCE once per push (jcstress DeferMaxChange)
    }

    /** @return the variant these lists emulate */
    public final DeferVariant variant() {
        return variant;
    }

    /** @return the lock kind (meaningful where {@link DeferVariant#locked()}) */
    public final LockKind lockKind() {
        return lockKind;
    }

    /**
     * @param cpu a CPU number
     * @return how many objects wait on that CPU's list(s) now, as its count says: a snapshot, which for
     *         the lock-free variants can lag the list by the pushes in flight (one per producer at most)
     * @throws IllegalArgumentException if {@code cpu} is out of range
     */
    public abstract int queued(int cpu);

    /**
     * @param cpu a CPU number
     * @return a snapshot of that CPU's counters
     * @throws IllegalArgumentException if {@code cpu} is out of range
     */
    public final DeferStats stats(int cpu) {
        homes.check(cpu);
        return counters[cpu].snapshot(cpu);
    }

    /** @return a snapshot of every CPU's counters, by CPU number */
    public final List<DeferStats> stats() {
        List<DeferStats> all = new ArrayList<>(counters.length);
        for (int cpu = 0; cpu < counters.length; cpu++) {
            all.add(counters[cpu].snapshot(cpu));
        }
        return all;
    }

    /**
     * Frees, on the calling thread, every object still on a list or in a batch: for after
     * {@link Machine#close()}, so that nothing handed to the lists is lost. What was on a list is counted as
     * flushed by the CPU that held it; a {@code BATCHED} batch not yet handed over finds every CPU offline
     * and is counted as {@link #LOCAL_OFFLINE} on the CPU that batched it.
     *
     * @return how many objects it freed ({@code BATCHED}: batches handed over on the way counted too)
     * @throws IllegalStateException if the machine's CPUs are still running
     */
    public final int drain() {
        if (!homes.quiet()) {
            throw new IllegalStateException("drain() needs a closed machine (or pool): its CPUs (or owners) may still run");
        }
        int n = 0;
        int pass;
        do { // a BATCHED hand-over may land on a list this pass already emptied: go again until nothing moves
            pass = 0;
            for (int cpu = 0; cpu < softnet.length; cpu++) {
                pass += flushOn(cpu);
            }
            n += pass;
        } while (pass > 0);
        return n;
    }

    @Override
    public String toString() {
        return variant + (variant.locked() ? "/" + lockKind : "") + " deferMax=" + deferMax();
    }

    // ---------------------------------------------------------------- the variant's part

    /** Defers or frees {@code obj}, on CPU {@code self}. */
    abstract int defer(int self, T obj);

    /** Flushes CPU {@code cpu}'s list(s) (and hands over its batches), on that CPU's thread or after close. */
    abstract int flushOn(int cpu);

    // ---------------------------------------------------------------- shared steps

    /** READ_ONCE(sysctl_skb_defer_max). */
    final int deferMaxOnce() {
        return (int) DEFER_MAX.getOpaque(this);
    }

    /**
     * The checks every variant that sends objects home starts with: {@link #DEFERRED} if the object may
     * go to {@code target}, else why not ({@link #LOCAL_OWN}, {@link #LOCAL_OFFLINE} for an offline or
     * out-of-range CPU, {@link #LOCAL_DISABLED} for {@code deferMax == 0}). The "full" check is the
     * variant's, on its own count.
     */
    final int localReason(int self, int target, int max) {
        if (target == self) {
            return LOCAL_OWN;
        }
        if (target < 0 || target >= softnet.length || !homes.online(target)) { // READ_ONCE hint: DeferOfflineFlush
            return LOCAL_OFFLINE;
        }
        return max == 0 ? LOCAL_DISABLED : DEFERRED;
    }

    /** Frees one object on {@code self}, counting why. */
    final int freeLocal(int self, Deferrable obj, int reason) {
        counters[self].add(reason, 1);
        free(obj);
        return reason;
    }

    /**
     * Frees a chain on {@code self}, every object even if the reclaimer throws on one (the first exception
     * is rethrown at the end, the others suppressed).
     *
     * @return how many objects
     */
    final int freeChain(Deferrable list) {
        int n = 0;
        RuntimeException failed = null;
        while (list != null) {
            Deferrable next = list.next;
            try {
                free(list);
            } catch (RuntimeException e) {
                if (failed == null) {
                    failed = e;
                } else {
                    failed.addSuppressed(e);
                }
            }
            n++;
            list = next;
        }
        if (failed != null) {
            throw failed;
        }
        return n;
    }

    /** The length of a chain. */
    static int length(Deferrable list) {
        int n = 0;
        for (Deferrable d = list; d != null; d = d.next) {
            n++;
        }
        return n;
    }

    /** Frees a list of {@code n} objects {@code cpu} took from its own defer list, counted as one flush. */
    final void flushChain(int cpu, Deferrable list, int n) {
        if (n > 0) {
            DeferCounters c = counters[cpu];
            c.add(DeferCounters.FLUSHED, n);
            c.add(DeferCounters.FLUSHES, 1);
            c.max(DeferCounters.MAX_LENGTH, n);
        }
        freeChain(list);
    }

    /**
     * The kick: asks {@code target} to flush. At most one IPI per target in flight: cmpxchg on
     * ipiScheduled, cleared by the handler with a release store.
     *
     * <p>The smp_mb before the cmpxchg is for the case where it <em>fails</em> (an IPI is in flight): our
     * push must then be ordered before our read of the flag, against the handler's clear-then-flush
     * (store buffering; the handler's side is the smp_mb in {@link #ipiHandled}). A failed cmpxchg is
     * unordered in the LKMM, and in the JMM a failed CAS is only a volatile read, which an earlier release
     * store (a locked list's unlock) may pass; HotSpot's locked cmpxchg happens to be a full fence, which
     * is why only the jcstress ladder's weakened copy ({@code LadderIpiScheduled.KickAcquireCas}) can
     * show the lost kick (covered by jcstress DeferIpiScheduled.KickAfterClear and, from a pool's releaser,
     * PoolLostKick). Kicks are rare (one per {@code deferMax / 2} pushes), so the fence costs nothing.
     */
    final void kick(int self, int target) {
        counters[self].add(DeferCounters.KICKS, 1);
        SoftnetData t = softnet[target];
        Barriers.smpMb(); // our push before the flag's read, even when the cmpxchg below fails
        if (!t.cmpxchgIpiScheduled(0, 1)) { // pairs with the release in ipiHandled
            return; // an IPI is already on its way: it will raise NET_RX, which flushes our push too
        }
        int sent;
        try {
            sent = homes.kick(target, t.deferCsd);
        } catch (RuntimeException e) {
            t.setIpiScheduledRelease(0); // the next kick may try again
            throw e;
        }
        if (sent == CallSingleData.SENT) {
            counters[self].add(DeferCounters.IPIS_SENT, 1);
        } else {
            t.setIpiScheduledRelease(0); // went offline meanwhile: its offline drain and our wake cover it
        }
    }

    /**
     * Wakes {@code target}, whose empty list we just made non-empty, so an idle owner flushes it; an
     * offline one too, which covers a push that passed a stale online check after the offline drain
     * (jcstress DeferOfflineFlush, and its weakened WakeOnlineOnly).
     */
    final void wakeOwner(int self, int target) {
        counters[self].add(DeferCounters.WAKEUPS, 1);
        homes.wake(target);
    }

    /** The kick IPI's handler on the target (the kernel's trigger_rx_softirq). */
    private void triggerRxSoftirq(Cpu cpu) {
        cpu.raiseSoftirq(Softirq.NET_RX); // the flush runs after this handler, on this CPU
        ipiHandled(cpu.id());
    }

    /**
     * The handler's second half: the next kick may send again. smp_store_release pairs with the next
     * kick's cmpxchg (whatever this CPU did before is visible to it). The smp_mb after it orders the clear
     * before the flush's lockless hint, against a producer's push-then-cmpxchg (store buffering): either
     * the producer's cmpxchg sees 0 and kicks again, or the coming flush sees its push. Without it a push
     * could miss both (jcstress DeferIpiScheduled.WithoutBarrier; on the pool's drain, PoolLostKick and its
     * weakened WithoutBarrier); the kernel gets the barrier from the interrupt return.
     */
    final void ipiHandled(int cpu) {
        softnet[cpu].setIpiScheduledRelease(0);
        Barriers.smpMb();
        counters[cpu].add(DeferCounters.IPIS_RECEIVED, 1);
    }

    @SuppressWarnings("unchecked") // every object on our lists came in through attemptDeferFree(T)
    private void free(Deferrable obj) {
        obj.next = null;
        if (ledger != null) {
            ledger.freed(obj, Cpu.currentId(), variant);
        }
        reclaimer.free((T) obj);
    }
}
