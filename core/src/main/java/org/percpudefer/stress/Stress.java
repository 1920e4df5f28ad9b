package org.percpudefer.stress;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

import org.HdrHistogram.Histogram;
import org.jctools.queues.MpscArrayQueue;
import org.percpudefer.cpu.Cpu;
import org.percpudefer.cpu.CpuFault;
import org.percpudefer.cpu.CpuTask;
import org.percpudefer.cpu.Machine;
import org.percpudefer.cpu.MachineConfig;
import org.percpudefer.defer.DeferLists;
import org.percpudefer.defer.DeferStats;
import org.percpudefer.defer.DeferVariant;
import org.percpudefer.defer.Deferrable;
import org.percpudefer.defer.Ledger;

/**
 * The stress run: N simulated CPUs allocate objects from their own slabs, hand them to random CPUs, which
 * use them and free them through the defer lists, while the controlling thread reshuffles everything at
 * random every few milliseconds (a <em>phase</em>): each CPU's role (producer, consumer, both, or idle for
 * the phase), {@code deferMax} (0 and 1 included), one CPU taken offline or brought back, and now and then a
 * hosted task made to throw (and re-hosted on a later phase, so its CPU runs without a task meanwhile).
 * Objects freed on a CPU go back to that CPU's slab and are allocated again there: they migrate.
 *
 * <p>It stops after {@link StressConfig#objects()} allocations or {@link StressConfig#seconds()}, then brings
 * every CPU online with every role a consumer, waits (bounded) until every object allocated has been freed,
 * closes the machine and proves conservation three ways: the CPUs' own counts (allocated = freed), a census
 * of every slab (each object made is there exactly once), and, in the accounting mode, the
 * {@link Ledger}'s audit (which also throws at the first double free or use after free, on the CPU that
 * made it). Everything measured is in the {@link StressReport}.
 */
public final class Stress {

    /** Progress, reported on the controlling thread about once a second. */
    @FunctionalInterface
    public interface Progress {
        /**
         * @param freed  objects allocated and freed so far
         * @param target objects to allocate ({@link StressConfig#objects()})
         * @param state  a short description of the current phase
         */
        void update(long freed, long target, String state);
    }

    /** The {@code deferMax} values a phase picks from: 0 and 1 included, the defaults weighted. */
    static final int[] DEFER_MAX = {0, 1, 2, 4, 8, 16, 32, 64, 64, 64, 128, 128, 256};
    /** How long the final drain may take before the run is declared stuck. */
    static final long DRAIN_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** Most faults injected in one run. */
    static final int MAX_FAULTS = 8;
    static final int PRODUCE = 1;
    static final int CONSUME = 2;
    private static final int HAND = 64;
    private static final int PAYLOAD_WORDS = 8;

    private final StressConfig config;
    private final Machine machine;
    private final DeferLists<Item> lists;
    private final Ledger ledger;
    private final Lane[] lanes;
    /** Objects left to allocate: claimed by the producers with {@link #claim}. */
    private final AtomicLong budget;
    /** Closed once the run settles: no produce step allocates after it. */
    private final StopGate gate;
    /** The current phase's consumers and each lane's role: published by the controller, read by the CPUs. */
    private final Roles roles;
    /** Objects the drain after close freed on the controlling thread. */
    private final List<Item> drained = new ArrayList<>();
    private final Histogram drainedWaits = new Histogram(3);

    private Stress(StressConfig config) {
        this.config = config;
        this.machine = Machine.boot(MachineConfig.of(config.cpus()).withNodes(Math.min(2, config.cpus())).withPin(config.pin()));
        this.ledger = config.accounting() ? new Ledger() : null;
        this.lists = ledger == null
                ? DeferLists.install(machine, config.variant(), config.lock(), this::reclaim)
                : DeferLists.install(machine, config.variant(), config.lock(), this::reclaim, ledger);
        this.lanes = new Lane[config.cpus()];
        int inbox = Math.max(1024, config.cpus() * StressConfig.POPULATION_PER_CPU); // never full: it holds everything there is
        for (int cpu = 0; cpu < lanes.length; cpu++) {
            lanes[cpu] = new Lane(cpu, inbox, new SplittableRandom(config.seed() * 1_000_003 + cpu));
        }
        this.budget = new AtomicLong(config.objects());
        this.gate = new StopGate(config.cpus());
        this.roles = new Roles(allCpus());
    }

    /**
     * Runs one stress run on the calling thread, which becomes the controller; returns when the run has
     * stopped and been accounted for, whatever it found.
     *
     * @param config   the set-up
     * @param progress called about once a second
     * @return what was measured and proven
     */
    public static StressReport run(StressConfig config, Progress progress) {
        Objects.requireNonNull(progress, "progress");
        Stress stress = new Stress(Objects.requireNonNull(config, "config"));
        try {
            return stress.control(progress);
        } finally {
            if (!stress.machine.isClosed()) { // the controller itself failed: stop the CPUs, keep its exception
                try {
                    stress.machine.close();
                } catch (IllegalStateException e) {
                    // the CPUs' faults; the controller's failure is the one to report
                }
            }
        }
    }

    /**
     * @param error an exception, or null
     * @return whether it is a fault the stress run injected on purpose (its report counts them)
     */
    public static boolean injected(Throwable error) {
        return error instanceof InjectedFault;
    }

    // ---------------------------------------------------------------- the controller

    private StressReport control(Progress progress) {
        SplittableRandom random = new SplittableRandom(config.seed());
        long start = System.nanoTime();
        long deadline = config.seconds() > 0 ? start + TimeUnit.SECONDS.toNanos(config.seconds()) : Long.MAX_VALUE;
        for (int cpu = 0; cpu < lanes.length; cpu++) {
            machine.host(cpu, new Worker(lanes[cpu]));
        }
        Chaos chaos = new Chaos();
        long nextPhase = start;
        long nextProgress = start + TimeUnit.SECONDS.toNanos(1);
        boolean byTime = false;
        while (true) {
            long now = System.nanoTime();
            if (!chaos.settled && (budget.get() <= 0 || now >= deadline)) {
                byTime = budget.get() > 0;
                chaos.settle(); // nobody produces from now on: let everything come home
            }
            // quiet() first: its volatile loads see every allocation count as of each producer's exit, so
            // allocated() is exact; freed() may lag (opaque), which only delays the exit by a tick
            if (chaos.settled && gate.quiet() && allocated() == freed()) {
                break;
            }
            if (now >= nextPhase) {
                chaos.phase(random);
                nextPhase = now + TimeUnit.MILLISECONDS.toNanos(2 + random.nextInt(19));
            }
            chaos.rehostFaulted();
            if (now >= nextProgress) {
                progress.update(freed(), config.objects(), chaos.state());
                nextProgress = now + TimeUnit.SECONDS.toNanos(1);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // the controller's timer tick
            if (chaos.settled && System.nanoTime() - chaos.settledAt > DRAIN_LIMIT_NANOS) {
                break; // stuck: the report names what was not freed
            }
        }
        long elapsed = System.nanoTime() - start;
        progress.update(freed(), config.objects(), chaos.state());
        return finish(chaos, elapsed, byTime);
    }

    /** Random changes, one phase at a time. */
    private final class Chaos {
        int phases;
        int hotplugs;
        int faultsArmed;
        int faultsSeen;
        int maxDeferMax = lists.deferMax();
        boolean settled;
        long settledAt = Long.MAX_VALUE;
        final boolean[] needsHost = new boolean[lanes.length];

        void phase(SplittableRandom random) {
            if (settled) {
                return;
            }
            phases++;
            int deferMax = DEFER_MAX[random.nextInt(DEFER_MAX.length)];
            lists.setDeferMax(deferMax);
            maxDeferMax = Math.max(maxDeferMax, deferMax);
            int cpu = random.nextInt(lanes.length);
            if (machine.cpu(cpu).isOnline()) {
                if (machine.onlineCpus() > 1) {
                    machine.offline(cpu);
                    hotplugs++;
                }
            } else {
                machine.online(cpu);
                hotplugs++;
            }
            int[] roles = new int[lanes.length];
            int producers = 0;
            int consumerCount = 0;
            for (int i = 0; i < roles.length; i++) {
                int r = random.nextInt(8); // 0: idle for the phase, 1-2: producer, 3-4: consumer, 5-7: both
                roles[i] = r == 0 ? 0 : r <= 2 ? PRODUCE : r <= 4 ? CONSUME : PRODUCE | CONSUME;
            }
            for (int role : roles) {
                producers += (role & PRODUCE) != 0 ? 1 : 0;
                consumerCount += (role & CONSUME) != 0 ? 1 : 0;
            }
            if (producers == 0) {
                roles[random.nextInt(roles.length)] |= PRODUCE;
            }
            if (consumerCount == 0) {
                roles[random.nextInt(roles.length)] |= CONSUME;
            }
            publishRoles(roles);
            if (config.faults() && faultsArmed < MAX_FAULTS && random.nextInt(8) == 0) {
                lanes[random.nextInt(lanes.length)].armFault();
                faultsArmed++;
            }
        }

        /** The end: every CPU online, everyone consumes, nobody produces; faulted tasks back. */
        void settle() {
            if (settled) {
                return;
            }
            settled = true;
            settledAt = System.nanoTime();
            gate.stop();
            for (int cpu = 0; cpu < lanes.length; cpu++) {
                machine.online(cpu);
                lanes[cpu].disarmFault();
            }
            int[] roles = new int[lanes.length];
            Arrays.fill(roles, CONSUME);
            publishRoles(roles);
            rehostFaulted();
        }

        private void publishRoles(int[] next) {
            roles.publish(next, lanes, cpu -> machine.cpu(cpu).wake());
        }

        /** A task that threw is re-hosted on a later phase: its CPU runs without one meanwhile. */
        void rehostFaulted() {
            List<CpuFault> faults = machine.faults();
            for (; faultsSeen < faults.size(); faultsSeen++) {
                CpuFault f = faults.get(faultsSeen);
                if (f.error() instanceof InjectedFault) {
                    needsHost[f.cpu()] = true;
                }
            }
            for (int cpu = 0; cpu < needsHost.length; cpu++) {
                if (needsHost[cpu] && machine.cpu(cpu).isOnline()) {
                    try {
                        machine.host(cpu, new Worker(lanes[cpu]));
                        needsHost[cpu] = false;
                    } catch (IllegalStateException e) {
                        // offline again, or the faulted task is not unhosted yet: next tick
                    }
                }
            }
        }

        String state() {
            return "phase " + phases + ", deferMax " + lists.deferMax() + ", " + machine.onlineCpus() + "/" + lanes.length
                    + " CPUs online" + (settled ? ", settling" : "");
        }
    }

    /**
     * A phase's roles, as the controller publishes them. The consumer set is a new array each phase,
     * filled with plain stores, then published whole by a volatile store (smp_store_release) that the
     * producers pair with a volatile load (smp_load_acquire) before they read its elements: a producer
     * never sees the new array with its elements unwritten. Each lane's {@link Lane#role} is stored after
     * the set, volatile too (smp_store_release), and read by its CPU at each step (smp_load_acquire), so a
     * CPU that sees its new role also sees the new consumer set. jcstress {@code stress.PhasePublication}
     * tests this class and shows what an opaque publication (WRITE_ONCE / READ_ONCE) allows.
     */
    static final class Roles {
        /** The consumers of the current phase: replaced whole by the controller, read by producers. */
        private volatile int[] consumers;

        Roles(int[] consumers) {
            this.consumers = consumers;
        }

        /**
         * Controller only: publishes the next phase's roles, then wakes each CPU.
         *
         * @param roles a role per lane ({@link Stress#PRODUCE}, {@link Stress#CONSUME}, both or neither)
         * @param lanes the lanes, one per CPU
         * @param wake  wakes one CPU, after its role is stored
         */
        void publish(int[] roles, Lane[] lanes, IntConsumer wake) {
            int n = 0;
            int[] cons = new int[roles.length];
            for (int i = 0; i < roles.length; i++) {
                if ((roles[i] & CONSUME) != 0) {
                    cons[n++] = i;
                }
            }
            consumers = Arrays.copyOf(cons, n); // smp_store_release (volatile): producers read the new set whole
            for (int i = 0; i < roles.length; i++) {
                lanes[i].role = roles[i]; // smp_store_release (volatile), after the set
                wake.accept(i);
            }
        }

        /** Producers: smp_load_acquire (volatile) of the consumer set; its elements are then current. */
        int[] consumers() {
            return consumers;
        }
    }

    // ---------------------------------------------------------------- the CPUs' side

    /** An object of the stress run: a payload stamped at allocation and checked at each use. */
    static final class Item extends Deferrable {
        final long[] payload = new long[PAYLOAD_WORDS];
        long generation;
        /** When it was handed to attemptDeferFree (nanoTime), 0 once freed: set by the consumer, read by the reclaimer. */
        long deferredAt;
    }

    /** Thrown by a stress task on purpose: the CPU must survive it and nothing may be stranded. */
    static final class InjectedFault extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFault(int cpu) {
            super("fault injected by the stress run on cpu " + cpu + " (objects in hand: kept for the next task)", null, false, false);
        }
    }

    /**
     * One CPU's state, outside its task so that a task that throws loses nothing. Plain fields are the
     * CPU's own (the drain after close reads them once the CPU threads are joined). Shared ones:
     * {@code allocations} and {@code frees} are WRITE_ONCE by the CPU (its single writer) and READ_ONCE by
     * the controller, whose progress may lag (see {@link StopGate} for why its final count does not): it
     * never sees a count go back or torn (jcstress {@code stress.LaneCountersCoherence}, where a second
     * writer loses counts); {@code role} is a volatile field, smp_store_release by the controller and
     * smp_load_acquire by the CPU at each step (a step that still sees the old role does one more step of
     * it; see {@link Roles}); {@code fault} is a hint, armed and disarmed by the controller with WRITE_ONCE,
     * READ_ONCE and cleared with WRITE_ONCE by the CPU: a lost or late arm only changes how many faults a
     * run injects, and READ_ONCE is what keeps a polling CPU seeing an arm at all (jcstress
     * {@code stress.FaultHintSeen}).
     */
    static final class Lane {
        final int cpu;
        final ArrayDeque<Item> slab = new ArrayDeque<>();
        final MpscArrayQueue<Item> inbox;
        final Item[] hand = new Item[HAND];
        final SplittableRandom random;
        final Histogram waits = new Histogram(3);
        final Histogram idleHolds = new Histogram(3);
        final AtomicLong allocations = new AtomicLong();
        final AtomicLong frees = new AtomicLong();
        final AtomicLong fault = new AtomicLong(); // 1: armed
        int handPos;
        int handCount;
        int created;
        long corrupt;
        /** When this CPU's task last found nothing to do (nanoTime), 0 while it works. */
        long idleSince;
        /** The object this CPU is freeing inline right now (a local free has no list wait). */
        Item inline;
        volatile int role;

        Lane(int cpu, int inboxCapacity, SplittableRandom random) {
            this.cpu = cpu;
            this.inbox = new MpscArrayQueue<>(inboxCapacity);
            this.random = random;
        }

        /** Controller: WRITE_ONCE(fault, 1), a hint (jcstress stress.FaultHintSeen). */
        void armFault() {
            fault.setOpaque(1);
        }

        /** Controller: WRITE_ONCE(fault, 0). */
        void disarmFault() {
            fault.setOpaque(0);
        }

        /**
         * The CPU, between two objects: READ_ONCE(fault); if armed, WRITE_ONCE(fault, 0) and report it taken.
         * (The CPU's clear may overwrite a disarm or a re-arm in between: a hint, either is fine.)
         */
        boolean takeFault() {
            if (fault.getOpaque() == 1) {
                fault.setOpaque(0);
                return true;
            }
            return false;
        }

        /** The CPU, its one writer: WRITE_ONCE(c, c + 1); its own plain read is current (jcstress stress.LaneCountersCoherence). */
        static void inc(AtomicLong counter) {
            counter.setOpaque(counter.getPlain() + 1); // WRITE_ONCE by the one writer
        }

        /** Any thread: READ_ONCE(allocations). */
        long allocatedOnce() {
            return allocations.getOpaque();
        }

        /** Any thread: READ_ONCE(frees). */
        long freedOnce() {
            return frees.getOpaque();
        }
    }

    /** The task a CPU hosts: free what is in hand, then produce and consume as its role says. */
    private final class Worker implements CpuTask {
        private final Lane lane;

        Worker(Lane lane) {
            this.lane = lane;
        }

        @Override
        public int step(Cpu cpu) {
            int role = lane.role; // smp_load_acquire (volatile): pairs with Roles.publish
            int work = 0;
            if ((role & PRODUCE) != 0) {
                work += produce(cpu);
            }
            if ((role & CONSUME) != 0 || lane.handPos < lane.handCount) {
                work += consume(cpu);
            }
            if (work == 0 && lane.idleSince == 0) {
                lane.idleSince = System.nanoTime(); // the CPU starts to idle: its idle hooks flush soon
            } else if (work > 0) {
                lane.idleSince = 0;
            }
            return work;
        }

        private int produce(Cpu cpu) {
            if (!gate.enter(lane.cpu)) {
                return 0;
            }
            try {
                return allocateBurst(cpu);
            } finally {
                gate.exit(lane.cpu);
            }
        }

        private int allocateBurst(Cpu cpu) {
            SplittableRandom random = lane.random;
            int want = random.nextInt(16) == 0 ? 64 + random.nextInt(449) : 1 + random.nextInt(16); // bursts
            // claim only what this CPU can make now (its slab is its own: the count is exact), so no claim is given back
            want = Math.min(want, lane.slab.size() + StressConfig.POPULATION_PER_CPU - lane.created);
            if (want == 0) {
                return 0; // everything this CPU made is out: wait for frees
            }
            int work = lists.flush(); // NAPI flushes its defer list before each poll (909876500251)
            int claimed = claim(budget, want);
            if (claimed == 0) {
                return work;
            }
            int[] targets = roles.consumers();
            int made = 0;
            for (; made < claimed; made++) {
                Item item = lane.slab.poll();
                if (item == null) {
                    item = new Item();
                    lane.created++;
                }
                item.allocatedOn(lane.cpu);
                long gen = ++item.generation;
                Arrays.fill(item.payload, gen);
                if (ledger != null) {
                    ledger.allocated(item);
                }
                Lane.inc(lane.allocations);
                int to = targets[random.nextInt(targets.length)];
                if (!lanes[to].inbox.offer(item)) { // cannot happen: the inbox holds every object there is
                    throw new IllegalStateException("stress inbox of cpu " + to + " full");
                }
                cpu.machine().cpu(to).wake();
            }
            return work + made;
        }

        private int consume(Cpu cpu) {
            Lane l = lane;
            if (l.handPos == l.handCount) {
                l.handPos = 0;
                l.handCount = 0;
                Item item;
                while (l.handCount < HAND && (item = l.inbox.relaxedPoll()) != null) {
                    l.hand[l.handCount++] = item;
                }
            }
            int done = 0;
            while (l.handPos < l.handCount) {
                if (l.handPos > 0 && l.takeFault()) { // between two objects: the rest stay in hand
                    throw new InjectedFault(l.cpu);
                }
                Item item = l.hand[l.handPos];
                l.hand[l.handPos++] = null;
                use(item);
                item.deferredAt = System.nanoTime();
                l.inline = item;
                lists.attemptDeferFree(item);
                l.inline = null;
                done++;
            }
            if (config.variant() == DeferVariant.PER_SOCKET) {
                done += lists.flush(); // its kernel drained the socket's list when recvmsg released the socket
            }
            return done;
        }

        /** The consumer's use: every payload word must carry the stamp of this allocation. */
        private void use(Item item) {
            if (ledger != null) {
                ledger.used(item);
            }
            long gen = item.generation;
            for (long word : item.payload) {
                if (word != gen) {
                    lane.corrupt++;
                    return;
                }
            }
        }
    }

    /**
     * A producer claims up to {@code want} objects of the run's budget: one fully ordered value-returning
     * atomic ({@code atomic_sub_return}'s shape: {@code getAndAdd}), so concurrent producers never claim
     * more than the budget in total, however they interleave; the budget may go below zero, and a claim
     * that finds it spent gets 0. Nothing is given back. jcstress {@code stress.BudgetOverClaim} tests it
     * and shows a read-then-write copy over-claiming.
     *
     * @param budget objects left to allocate, shared by every producer
     * @param want   how many this producer would make, {@code > 0}
     * @return how many it may make, {@code 0..want}
     */
    static int claim(AtomicLong budget, int want) {
        long before = budget.getAndAdd(-want);
        return (int) Math.max(0, Math.min(want, before));
    }

    /** The reclaimer: back to the slab of the CPU that frees it, recording how long it waited on a list. */
    private void reclaim(Item item) {
        int cpu = Cpu.currentId();
        long now = System.nanoTime();
        long deferredAt = item.deferredAt;
        long waited = deferredAt == 0 ? -1 : now - deferredAt;
        item.deferredAt = 0;
        if (cpu < 0) { // the drain after close, on the controlling thread
            if (waited >= 0) {
                drainedWaits.recordValue(waited);
            }
            drained.add(item);
            return;
        }
        Lane lane = lanes[cpu];
        if (waited >= 0 && lane.inline != item) { // a local free, inside attemptDeferFree, did not wait
            lane.waits.recordValue(waited);
            if (lane.idleSince != 0) { // freed while its owner idles: how long it was held by an idle CPU
                lane.idleHolds.recordValue(now - Math.max(lane.idleSince, deferredAt));
            }
        }
        lane.slab.push(item);
        Lane.inc(lane.frees);
    }

    // ---------------------------------------------------------------- the end

    private long allocated() {
        long n = 0;
        for (Lane lane : lanes) {
            n += lane.allocatedOnce();
        }
        return n;
    }

    private long freed() {
        long n = 0;
        for (Lane lane : lanes) {
            n += lane.freedOnce();
        }
        return n;
    }

    private StressReport finish(Chaos chaos, long elapsedNanos, boolean byTime) {
        List<String> problems = new ArrayList<>();
        try {
            machine.close();
        } catch (IllegalStateException e) {
            // the faults, listed below: the injected ones are expected, the others are problems
        }
        int survived = 0;
        for (CpuFault f : machine.faults()) {
            if (f.error() instanceof InjectedFault) {
                survived++;
            } else {
                problems.add("fault " + f);
            }
        }
        int drainedOnClose = lists.drain();
        long allocated = allocated();
        long freed = freed() + drained.size();
        // The census: every object ever made is in exactly one slab (or was drained), nowhere else.
        Set<Item> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        long census = 0;
        long created = 0;
        long corrupt = 0;
        Histogram waits = new Histogram(3);
        Histogram idleHolds = new Histogram(3);
        waits.add(drainedWaits);
        for (Lane lane : lanes) {
            created += lane.created;
            corrupt += lane.corrupt;
            waits.add(lane.waits);
            idleHolds.add(lane.idleHolds);
            for (Item item : lane.slab) {
                census++;
                seen.add(item);
            }
            census += lane.inbox.size() + (lane.handCount - lane.handPos);
        }
        for (Item item : drained) {
            census++;
            seen.add(item);
        }
        if (allocated != freed) {
            problems.add((allocated - freed) + " object(s) allocated and never freed (allocated " + allocated + ", freed " + freed + ")");
        }
        if (census != created || seen.size() != created) {
            problems.add("census: " + created + " objects made, " + census + " found back in the slabs, " + seen.size()
                    + " distinct (a duplicate is an object freed twice, a missing one was lost)");
        }
        if (corrupt > 0) {
            problems.add(corrupt + " object(s) used with a payload that was not their own (reused while in use)");
        }
        if (drainedOnClose > 0) {
            problems.add(drainedOnClose + " object(s) still on a list after every CPU went idle: freed only by the drain");
        }
        Ledger.Report audit = null;
        if (ledger != null) {
            audit = ledger.audit();
            if (!audit.conserved() || audit.live() > 0) {
                problems.add("ledger: " + audit + (audit.leftOnLists().isEmpty() ? "" : "; " + audit.leftOnLists()));
            }
        }
        List<DeferStats> stats = lists.stats();
        long[] maxLength = new long[lanes.length];
        for (int cpu = 0; cpu < lanes.length; cpu++) {
            maxLength[cpu] = stats.get(cpu).maxLength();
        }
        boolean lockFree = !config.variant().locked();
        long bound = chaos.maxDeferMax + (lockFree ? lanes.length - 1 : 0); // an llist overshoots by a push per racing producer
        for (int cpu = 0; cpu < lanes.length; cpu++) {
            if (maxLength[cpu] > bound) {
                problems.add("cpu " + cpu + "'s list reached " + maxLength[cpu] + " objects, above its bound " + bound);
            }
        }
        return new StressReport(config, allocated, freed, created, census, elapsedNanos, byTime, chaos.phases,
                chaos.hotplugs, survived, chaos.maxDeferMax,
                bound, maxLength, DeferStats.total(stats), waits.getMaxValue(), waits.getValueAtPercentile(99.9),
                waits.getTotalCount(), idleHolds.getMaxValue(), idleHolds.getValueAtPercentile(99.9), idleHolds.getTotalCount(), audit, List.copyOf(problems));
    }

    private int[] allCpus() {
        int[] all = new int[config.cpus()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return all;
    }
}
