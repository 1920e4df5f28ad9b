package org.percpudefer.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * One simulated CPU: a platform thread, pinned to a real core where the OS allows, running the kernel's
 * loop cooperatively.
 *
 * <p>Each pass of the loop: consume the wake flag; act on a hotplug or stop request; run pending IPIs
 * (at most {@value #IPI_BATCH}); run raised softirqs, lowest number first; run one bounded step of the
 * hosted {@link CpuTask} (only while online). When a pass finds nothing to do the CPU idles: it spins,
 * then yields (Agrona's {@link BackoffIdleStrategy}), then runs the machine's idle hooks, and if they
 * found nothing to do either, parks with {@link java.util.concurrent.locks.LockSupport#park} until an
 * IPI or a {@link #wake()} arrives. The idle hooks also run on the first idle pass, before the spins and
 * yields (which on a busy host can last milliseconds), and at once when the CPU is woken with nothing
 * else to do: what they flush waits on an idle CPU only as long as a wakeup takes. No wakeup is lost:
 * see {@code Inbox}. Going offline, it runs the machine's offline hooks before {@link Machine#offline}
 * returns.
 *
 * <p>Which thread may call what: {@link #raiseSoftirq(int)}, {@link #enter(Activity)} and
 * {@link #restore(int)} only on this CPU's own thread (from its task or its IPI and softirq handlers), as
 * in the kernel, where a remote CPU raises a softirq by sending an IPI; another thread gets an
 * {@link IllegalStateException}. {@link #wake()} and the getters from any thread. Sending IPIs, hosting
 * tasks and hotplug go through {@link Machine}.
 *
 * <p>The current CPU is found from the thread itself ({@link #current()}), with no {@code ThreadLocal}:
 * a CPU's thread is a {@code Thread} subclass that knows its CPU.
 */
public final class Cpu {

    /*
     * Implementation notes.
     *
     * Ownership. Plain fields (softirqPending, the idle strategy, ackedState) belong to the CPU's thread
     * alone. Shared fields go through VarHandles with the vocabulary of org.percpudefer.ordering:
     *  - state: written by Machine (hotplug, close) with smp_store_release after its own bookkeeping;
     *    read by this thread with smp_load_acquire at the top of each pass, and by IPI senders with
     *    READ_ONCE, as a hint only (an IPI accepted just before the CPU goes offline still runs: the
     *    loop drains the inbox in every state until it stops; only an IPI racing close() can stay
     *    queued, after which nothing runs anyway).
     *  - task: installed by Machine.host with cmpxchg (null -> task, fully ordered, so the task's
     *    construction is visible), read here with smp_load_acquire, removed here with
     *    smp_store_release. The install against the loop's read: jcstress HookPublication.HostedTask.
     * The state's release/acquire pairing, the READ_ONCE hint of senders and of the defer lists'
     * online check, and the acknowledgement below: jcstress DeferOfflineRace (end to end, real CPUs)
     * and DeferOfflineFlush (the defer lists' decision, on a test Homes with the same modes).
     * Hotplug acknowledgements go through a monitor (off the hot path): the caller of offline()/online()
     * waits until this thread has seen the new state, so when offline() returns the task is not running
     * and will not run until online().
     */

    /** The most IPIs run in one pass, so a flood of IPIs cannot starve softirqs and the task. */
    static final int IPI_BATCH = 64;
    /** Passes a stopping CPU makes to drain its IPIs and softirqs before it gives up and reports it. */
    static final int STOP_DRAIN_PASSES = 16;

    static final int ONLINE = 0;
    static final int OFFLINE = 1;
    static final int STOPPED = 2;

    private static final VarHandle STATE;
    private static final VarHandle TASK;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(int[].class);
    /** The activity's index in {@code activitySlot}: 64 bytes of the array on either side of it. */
    private static final int SLOT_INDEX = 16;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Cpu.class, "state", int.class);
            TASK = lookup.findVarHandle(Cpu.class, "task", CpuTask.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int id;
    private final int node;
    private final Machine machine;
    private final CpuThread thread;
    private final Inbox inbox;
    private final int idleRounds;
    private final int plannedCore;

    /** This thread only. */
    private final IdleStrategy idle;
    /** This thread only: raised softirqs, one bit per number. */
    private int softirqPending;
    /** This thread only: the last state it acknowledged. */
    private int ackedState = ONLINE;

    @SuppressWarnings("unused") // accessed through STATE
    private int state = ONLINE;
    @SuppressWarnings("unused") // accessed through TASK
    private CpuTask task;

    /** Guards acked; waited on by hotplug callers. */
    private final Object ackLock = new Object();
    private int acked = ONLINE;

    /**
     * What this CPU is doing ({@link Activity} ordinal): written by this thread alone with WRITE_ONCE,
     * read by a {@link Sampler} with READ_ONCE. Nothing is ordered by it; a sample may see a transition
     * a little late, which a statistical profile does not mind. It lives in the middle of its own array
     * so its writes, one per transition, never invalidate a line that other CPUs read (this object's
     * fields, the inbox).
     */
    private final int[] activitySlot = new int[2 * SLOT_INDEX + 1];
    /** This thread only: the value last written to the slot, so that a write happens only on a change. */
    private int activity; // Activity.IDLE, as the slot starts

    /** Written by this thread before the machine's boot latch counts down; read after it. */
    private Pinning pinning;

    Cpu(Machine machine, int id, int node, MachineConfig config, int plannedCore) {
        this.machine = machine;
        this.id = id;
        this.node = node;
        this.plannedCore = plannedCore;
        this.idleRounds = config.idleSpins() + config.idleYields();
        // min/max park periods are never reached: after idleRounds we park until woken ourselves.
        this.idle = new BackoffIdleStrategy(config.idleSpins(), config.idleYields(), 1, 1);
        this.thread = new CpuThread(this, "cpu" + id);
        this.inbox = new Inbox(thread);
    }

    /**
     * The CPU whose thread is calling, like the kernel's {@code smp_processor_id()}.
     *
     * @return the current CPU
     * @throws IllegalStateException if the calling thread is not a simulated CPU
     */
    public static Cpu current() {
        Cpu cpu = currentOrNull();
        if (cpu == null) {
            throw new IllegalStateException(
                    "thread '" + Thread.currentThread().getName() + "' is not a simulated CPU");
        }
        return cpu;
    }

    /**
     * The current CPU's number, like the kernel's {@code raw_smp_processor_id()}: cheap enough for hot
     * paths (a type check of the current thread).
     *
     * @return the current CPU's number, or {@code -1} if the calling thread is not a simulated CPU
     */
    public static int currentId() {
        return Thread.currentThread() instanceof CpuThread t ? t.cpu.id : -1;
    }

    /**
     * @return the current CPU, or null if the calling thread is not a simulated CPU
     */
    public static Cpu currentOrNull() {
        return Thread.currentThread() instanceof CpuThread t ? t.cpu : null;
    }

    /** @return this CPU's number, {@code 0..machine.cpus() - 1} */
    public int id() {
        return id;
    }

    /** @return the emulated NUMA node this CPU belongs to */
    public int node() {
        return node;
    }

    /** @return the machine this CPU belongs to */
    public Machine machine() {
        return machine;
    }

    /** @return whether this CPU is online (a snapshot: hotplug may change it right after) */
    public boolean isOnline() {
        return stateOnce() == ONLINE;
    }

    /** @return where this CPU's thread runs; complete once {@link Machine#boot} has returned */
    public Pinning pinning() {
        return pinning;
    }

    /**
     * Raises a softirq on this CPU: its handler runs on this CPU's next pass (the kernel's
     * {@code raise_softirq}). Call it from this CPU's own thread; another CPU raises a softirq here by
     * sending an IPI whose handler raises it, as the kernel's {@code trigger_rx_softirq} does.
     *
     * @param nr the softirq number, {@code 0..}{@value Softirq#NR_SOFTIRQS}{@code - 1}, opened on the machine
     * @throws IllegalArgumentException if {@code nr} is out of range
     * @throws IllegalStateException    if called from another thread, or {@code nr} has no handler
     */
    public void raiseSoftirq(int nr) {
        Softirq.check(nr);
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("softirq " + nr + " raised on cpu " + id + " from thread '"
                    + Thread.currentThread().getName() + "': raise it on the CPU's own thread"
                    + " (its task or an IPI handler); from elsewhere, send an IPI whose handler raises it");
        }
        if (machine.softirqHandler(nr) == null) {
            throw new IllegalStateException("softirq " + nr + " has no handler: open it with Machine.openSoftirq first");
        }
        softirqPending |= 1 << nr;
    }

    /**
     * Makes this CPU look again at its hosted task, waking it if it sleeps (the kernel's
     * {@code wake_up_process}). Call it after publishing the work the task will find. Cheap when the CPU
     * is running or polling: no unpark happens then.
     */
    public void wake() {
        inbox.wake();
    }

    /**
     * Publishes what this CPU is doing, for the {@link Sampler}: one opaque store, and none when the
     * activity does not change. Call it on this CPU's own thread only, and give the returned value back
     * to {@link #restore(int)} when the activity ends.
     *
     * <pre>{@code
     * int was = cpu.enter(Activity.COPY_TO_USER);
     * try { copy(); } finally { cpu.restore(was); }
     * }</pre>
     *
     * @param now the activity starting; not null
     * @return the activity it replaces, as a token for {@link #restore(int)}
     * @throws IllegalStateException if called from another thread
     */
    public int enter(Activity now) {
        Objects.requireNonNull(now, "now");
        checkOwnThread("enter");
        int was = activity;
        publish(now.ordinal());
        return was;
    }

    /**
     * Publishes the activity that {@link #enter(Activity)} replaced. This CPU's own thread only.
     *
     * @param token the value {@link #enter(Activity)} returned
     * @throws IllegalArgumentException if {@code token} is no activity's ordinal
     * @throws IllegalStateException    if called from another thread
     */
    public void restore(int token) {
        if (token < 0 || token >= ACTIVITIES) {
            throw new IllegalArgumentException("activity token " + token + " is out of range (allowed: 0.."
                    + (ACTIVITIES - 1) + ", a value enter() returned)");
        }
        checkOwnThread("restore");
        publish(token);
    }

    /** @return what this CPU is doing, as last published (READ_ONCE; any thread) */
    public Activity activity() {
        return Activity.of(activityOnce());
    }

    @Override
    public String toString() {
        return "cpu" + id;
    }

    // ---------------------------------------------------------------- called by Machine

    void start() {
        thread.start();
    }

    Thread thread() {
        return thread;
    }

    /** smp_call_function_single_async(this cpu, csd). */
    int callFunctionSingleAsync(CallSingleData csd) {
        if (!csd.tryLock()) {
            return CallSingleData.BUSY;
        }
        if (stateOnce() != ONLINE) {
            csd.unlock();
            return CallSingleData.OFFLINE;
        }
        try {
            inbox.post(csd);
        } catch (IllegalStateException e) {
            csd.unlock();
            throw new IllegalStateException("cpu " + id + ": " + e.getMessage(), e);
        }
        return CallSingleData.SENT;
    }

    void host(CpuTask newTask) {
        Objects.requireNonNull(newTask, "task");
        if (stateOnce() != ONLINE) {
            throw new IllegalStateException("cpu " + id + " is offline: bring it online before hosting a task");
        }
        if (!cmpxchgTask(null, newTask)) { // pairs with taskAcquire in stepTask: jcstress HookPublication.HostedTask
            throw new IllegalStateException("cpu " + id + " already hosts a task; it must finish (return DONE) first");
        }
        inbox.wake();
    }

    boolean hostsTask() {
        return taskAcquire() != null;
    }

    /** The hosted task as this CPU's loop sees it (smp_load_acquire), or null; for jcstress HookPublication. */
    CpuTask hostedTask() {
        return taskAcquire();
    }

    /** Hotplug or stop request; the caller serializes requests. */
    void request(int newState) {
        setStateRelease(newState); // pairs with stateAcquire at the top of the loop: jcstress DeferOfflineRace
        inbox.wake();
    }

    /**
     * Waits, without giving up on interrupts, until this CPU has seen {@code wanted}.
     *
     * @return true when it has; false if the CPU stopped first (closed machine, or its loop died)
     */
    boolean awaitAcknowledged(int wanted) {
        boolean interrupted = false;
        try {
            synchronized (ackLock) {
                while (acked != wanted) {
                    if (acked == STOPPED) {
                        return false;
                    }
                    try {
                        ackLock.wait();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                return true;
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** For tests of a machine that was never started: the inbox, quiescent. */
    Inbox inbox() {
        return inbox;
    }

    // ---------------------------------------------------------------- the CPU's own thread

    private void run() {
        try {
            String pinFailure = plannedCore < 0 ? "not pinned" : Affinity.pinCurrentThread(plannedCore);
            pinning = new Pinning(id, pinFailure == null ? plannedCore : -1, machine.coreShared(plannedCore),
                    pinFailure == null ? "sched_setaffinity" : pinFailure);
        } catch (Throwable e) { // never leave boot() waiting
            pinning = new Pinning(id, -1, false, "pinning failed: " + e);
        }
        machine.booted();
        try {
            loop();
        } catch (Throwable e) { // a bug in the loop itself: report it, and let close() join us
            machine.fault(id, "loop", e);
        } finally {
            acknowledge(STOPPED); // releases any hotplug caller still waiting for this CPU
        }
    }

    private void loop() {
        int idled = 0;
        int stopPasses = 0;
        for (;;) {
            inbox.consumeWake();
            int st = stateAcquire(); // pairs with setStateRelease in request()
            if (st != ackedState) {
                acknowledge(st);
            }
            int work = runIpis() + runSoftirqs(); // in every state: IPIs accepted while online still run
            if (st == ONLINE) {
                work += stepTask();
            } else if (st == STOPPED && (work == 0 || ++stopPasses > STOP_DRAIN_PASSES)) {
                if (work != 0) {
                    machine.fault(id, "stop", new IllegalStateException(
                            "still busy after " + STOP_DRAIN_PASSES + " passes at shutdown (a softirq raising itself?)"));
                }
                return;
            }
            if (work != 0) {
                idled = 0;
                idle.reset();
            } else if (idled < idleRounds) {
                publish(IDLE); // a write only when the pass published something else
                if (idled == 0 && machine.runHooks(machine.idleHooks(), this, "idle hook") != 0) {
                    idle.reset(); // going idle, the hooks found work (a defer list to flush): not idle yet
                } else {
                    idled++;
                    idle.idle();
                }
            } else if (machine.runHooks(machine.idleHooks(), this, "idle hook") == 0) {
                inbox.sleep();
                idle.reset();
                // idled stays at idleRounds: a CPU woken with nothing in its inbox or task runs its idle hooks
                // at once, not after another round of spins and yields, since the wake may have been for them
                // (a push onto its empty defer list): that round is what bounds how long the push waits.
            }
        }
    }

    private void acknowledge(int st) {
        if (st == OFFLINE) {
            machine.runHooks(machine.offlineHooks(), this, "offline hook"); // before offline() returns
        }
        ackedState = st;
        synchronized (ackLock) {
            acked = st;
            ackLock.notifyAll();
        }
    }

    private int runIpis() {
        int n = 0;
        for (CallSingleData csd; n < IPI_BATCH && (csd = inbox.poll()) != null; n++) {
            publish(IPI);
            IpiHandler func = csd.func();
            csd.unlock(); // before the handler, as the kernel does for async csds: it may resend itself
            try {
                func.handle(this);
            } catch (Throwable e) {
                machine.fault(id, "ipi", e);
            }
        }
        return n;
    }

    private int runSoftirqs() {
        int pending = softirqPending;
        if (pending == 0) {
            return 0;
        }
        softirqPending = 0; // raised again by a handler: run on the next pass
        publish(SOFTIRQ);
        int n = 0;
        do {
            int nr = Integer.numberOfTrailingZeros(pending);
            pending &= pending - 1;
            try {
                machine.softirqHandler(nr).run(this);
            } catch (Throwable e) {
                machine.fault(id, "softirq " + nr, e);
            }
            n++;
        } while (pending != 0);
        return n;
    }

    private int stepTask() {
        CpuTask t = taskAcquire(); // pairs with cmpxchgTask in host(): jcstress HookPublication.HostedTask
        if (t == null) {
            return 0;
        }
        publish(TASK_ACTIVITY);
        int done;
        try {
            done = t.step(this);
        } catch (Throwable e) {
            setTaskRelease(null);
            machine.fault(id, "task", e);
            return 1;
        }
        if (done == CpuTask.DONE) {
            setTaskRelease(null);
            return 1;
        }
        if (done < 0) {
            setTaskRelease(null);
            machine.fault(id, "task", new IllegalStateException(
                    "task step returned " + done + " (allowed: 0 or more units of work, or CpuTask.DONE)"));
            return 1;
        }
        return done;
    }

    private static final int IDLE = Activity.IDLE.ordinal();
    private static final int IPI = Activity.IPI.ordinal();
    private static final int SOFTIRQ = Activity.SOFTIRQ.ordinal();
    private static final int TASK_ACTIVITY = Activity.TASK.ordinal();
    private static final int ACTIVITIES = Activity.values().length;

    /** The activity slot is this thread's alone: a write from another thread would race with its own. */
    private void checkOwnThread(String what) {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException(what + "() on cpu " + id + " from thread '"
                    + Thread.currentThread().getName() + "': call it on the CPU's own thread");
        }
    }

    private void publish(int now) {
        if (now != activity) {
            activity = now;
            setActivityOnce(now);
        }
    }

    // ---------------------------------------------------------------- accessors, named by ordering

    /** WRITE_ONCE(activity, v): this thread only. */
    private void setActivityOnce(int value) {
        SLOT.setOpaque(activitySlot, SLOT_INDEX, value);
    }

    /** READ_ONCE(activity). */
    int activityOnce() {
        return (int) SLOT.getOpaque(activitySlot, SLOT_INDEX);
    }

    /** READ_ONCE(state). */
    private int stateOnce() {
        return (int) STATE.getOpaque(this);
    }

    /** smp_load_acquire(&state). */
    private int stateAcquire() {
        return (int) STATE.getAcquire(this);
    }

    /** smp_store_release(&state, v). */
    private void setStateRelease(int value) {
        STATE.setRelease(this, value);
    }

    /** smp_load_acquire(&task). */
    private CpuTask taskAcquire() {
        return (CpuTask) TASK.getAcquire(this);
    }

    /** smp_store_release(&task, v). */
    private void setTaskRelease(CpuTask value) {
        TASK.setRelease(this, value);
    }

    /** cmpxchg(&task, expect, update) == expect. */
    private boolean cmpxchgTask(CpuTask expect, CpuTask update) {
        return TASK.compareAndSet(this, expect, update);
    }

    /** The thread of a simulated CPU: knows its CPU, so {@link #current()} needs no ThreadLocal. */
    static final class CpuThread extends Thread {
        final Cpu cpu;

        CpuThread(Cpu cpu, String name) {
            super(name);
            this.cpu = cpu;
            setDaemon(true); // a machine nobody closed must not keep the JVM alive
        }

        @Override
        public void run() {
            cpu.run();
        }
    }
}
