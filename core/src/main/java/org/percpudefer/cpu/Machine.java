package org.percpudefer.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

/**
 * An emulated SMP machine: {@code N} simulated {@link Cpu}s, each a pinned platform thread, optionally
 * grouped into emulated NUMA nodes, with IPIs, softirqs and CPU hotplug.
 *
 * <pre>{@code
 * try (Machine machine = Machine.boot(MachineConfig.of(4))) {
 *     machine.openSoftirq(Softirq.NET_RX, cpu -> System.out.println("NET_RX on " + cpu));
 *     CallSingleData csd = new CallSingleData(cpu -> cpu.raiseSoftirq(Softirq.NET_RX));
 *     machine.callFunctionSingleAsync(2, csd);   // NET_RX runs on cpu2
 * }
 * }</pre>
 *
 * <p>All methods may be called from any thread, simulated CPU or not, except {@link #offline},
 * {@link #online} and {@link #close()}, which wait for CPUs and so refuse to run on one of this machine's
 * CPUs. {@link #close()} stops and joins every CPU thread; after it, IPIs are refused with
 * {@link CallSingleData#OFFLINE} and the other mutators throw {@link IllegalStateException}. An IPI whose
 * sender saw the target online just before {@code close()} began may stay queued, never run: nothing
 * runs after close.
 */
public final class Machine implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Machine.class.getName());
    private static final VarHandle SOFTIRQS = MethodHandles.arrayElementVarHandle(SoftirqHandler[].class);
    private static final VarHandle IDLE_HOOKS;
    private static final VarHandle OFFLINE_HOOKS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            IDLE_HOOKS = lookup.findVarHandle(Machine.class, "idleHooks", CpuHook[].class);
            OFFLINE_HOOKS = lookup.findVarHandle(Machine.class, "offlineHooks", CpuHook[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MachineConfig config;
    private final Cpu[] cpus;
    /** Handlers by softirq number: written with smp_store_release, read with smp_load_acquire. */
    private final SoftirqHandler[] softirqs = new SoftirqHandler[Softirq.NR_SOFTIRQS];
    private final int[] coreUse = new int[Affinity.MAX_CORES];
    private final String pinningPlan;
    private final CountDownLatch booting;
    private final ConcurrentLinkedQueue<CpuFault> faults = new ConcurrentLinkedQueue<>();
    /**
     * Copy-on-write under {@link #hotplug}; published with smp_store_release, read with smp_load_acquire,
     * so a CPU that sees a hook sees the hook's own fields and the array's elements (jcstress
     * HookPublication; its weakened OpaqueHooks copy publishes with WRITE_ONCE / READ_ONCE instead).
     */
    private CpuHook[] idleHooks = new CpuHook[0];
    private CpuHook[] offlineHooks = new CpuHook[0];

    /** Guards {@link #online}, {@link #closed} and the hook arrays' copy-on-write; held only briefly. */
    private final Object hotplug = new Object();
    /** Serializes offline()/online() callers; held while one waits for a CPU's acknowledgement. */
    private final Object hotplugSerial = new Object();
    private int online;
    private boolean closed;

    private Machine(MachineConfig config) {
        this.config = config;
        this.cpus = new Cpu[config.cpus()];
        this.booting = new CountDownLatch(config.cpus());
        int[] plan = new int[config.cpus()];
        this.pinningPlan = plan(config, plan);
        for (int id = 0; id < cpus.length; id++) {
            if (plan[id] >= 0) {
                coreUse[plan[id]]++;
            }
            cpus[id] = new Cpu(this, id, (int) ((long) id * config.nodes() / config.cpus()), config, plan[id]);
        }
        this.online = cpus.length;
    }

    /**
     * Boots a machine: starts every CPU thread and returns once each has pinned itself and entered its
     * loop. Logs one warning line if pinning was refused, is unavailable, or has to share cores.
     *
     * @param config the machine's shape
     * @return the running machine; close it to stop its threads
     */
    public static Machine boot(MachineConfig config) {
        Machine machine = new Machine(Objects.requireNonNull(config, "config"));
        try {
            for (Cpu cpu : machine.cpus) {
                cpu.start();
            }
        } catch (Throwable e) { // no more native threads: stop the ones that did start
            machine.abortBoot();
            throw e;
        }
        boolean interrupted = false;
        while (true) {
            try {
                machine.booting.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (config.pin() && !machine.pinnedOnePerCore()) {
            LOG.log(System.Logger.Level.WARNING, machine.pinningSummary());
        }
        return machine;
    }

    /**
     * A machine whose CPU threads are never started: its CPUs are online and accept IPIs into their
     * inboxes, but nothing runs them. For jcstress tests and benchmarks that drive the shipping code's
     * producer and owner sides from their own threads; not for running anything.
     *
     * @param config the machine's shape (pinning is not attempted)
     * @return the detached machine; {@link #close()} only marks it closed
     */
    public static Machine detached(MachineConfig config) {
        return new Machine(Objects.requireNonNull(config, "config").withPin(false));
    }

    /** @return the configuration this machine was booted with */
    public MachineConfig config() {
        return config;
    }

    /** @return how many simulated CPUs this machine has */
    public int cpus() {
        return cpus.length;
    }

    /**
     * @param id a CPU number, {@code 0..cpus() - 1}
     * @return that CPU
     * @throws IllegalArgumentException if {@code id} is out of range
     */
    public Cpu cpu(int id) {
        if (id < 0 || id >= cpus.length) {
            throw new IllegalArgumentException("cpu " + id + " is out of range (allowed: 0.." + (cpus.length - 1) + ")");
        }
        return cpus[id];
    }

    /** @return how many emulated NUMA nodes this machine has */
    public int nodes() {
        return config.nodes();
    }

    /**
     * Registers the handler of a softirq on every CPU (the kernel's {@code open_softirq}). A later call
     * replaces it; CPUs pick up the new handler the next time the softirq runs.
     *
     * @param nr      the softirq number, {@code 0..}{@value Softirq#NR_SOFTIRQS}{@code - 1}
     * @param handler the action; not null
     * @throws IllegalArgumentException if {@code nr} is out of range
     * @throws IllegalStateException    if the machine is closed
     */
    public void openSoftirq(int nr, SoftirqHandler handler) {
        Softirq.check(nr);
        Objects.requireNonNull(handler, "handler");
        ensureOpen();
        SOFTIRQS.setRelease(softirqs, nr, handler); // pairs with softirqHandler(): jcstress HookPublication.SoftirqAction
    }

    /**
     * Adds housekeeping every CPU runs on its own thread when it goes idle (on its first pass with nothing
     * to do), again when it is about to park (after its idle spins and yields), and when it is woken with
     * nothing else to do; in every state, offline included. If a hook reports work done, the CPU makes
     * another pass instead of idling or parking.
     *
     * @param hook the hook; not null
     * @throws IllegalStateException if the machine is closed
     */
    public void addIdleHook(CpuHook hook) {
        Objects.requireNonNull(hook, "hook");
        synchronized (hotplug) {
            ensureOpen();
            IDLE_HOOKS.setRelease(this, append(idleHooks(), hook)); // pairs with idleHooks(): jcstress HookPublication.IdleHook
        }
    }

    /**
     * Adds housekeeping a CPU runs on its own thread when it goes offline, before {@link #offline(int)}
     * returns: it is no longer stepping its task, and IPIs to it are already refused.
     *
     * @param hook the hook; not null
     * @throws IllegalStateException if the machine is closed
     */
    public void addOfflineHook(CpuHook hook) {
        Objects.requireNonNull(hook, "hook");
        synchronized (hotplug) {
            ensureOpen();
            OFFLINE_HOOKS.setRelease(this, append(offlineHooks(), hook)); // pairs with offlineHooks(): jcstress HookPublication.OfflineHook
        }
    }

    /**
     * Sends an IPI: queues {@code csd} on CPU {@code cpu}'s inbox and wakes it if it sleeps (the kernel's
     * {@code smp_call_function_single_async}). The handler runs on the target's thread; a CPU may send to
     * itself (the handler then runs on its next pass).
     *
     * @param cpu the target CPU, {@code 0..cpus() - 1}
     * @param csd the IPI; in flight at most once
     * @return {@link CallSingleData#SENT}, {@link CallSingleData#BUSY} if {@code csd} is already in
     *         flight, or {@link CallSingleData#OFFLINE} if the target is offline or the machine closed
     * @throws IllegalArgumentException if {@code cpu} is out of range
     */
    public int callFunctionSingleAsync(int cpu, CallSingleData csd) {
        return cpu(cpu).callFunctionSingleAsync(Objects.requireNonNull(csd, "csd"));
    }

    /**
     * Hosts a task on a CPU: it runs one step per pass of that CPU's loop until it returns
     * {@link CpuTask#DONE} or throws.
     *
     * @param cpu  the CPU, {@code 0..cpus() - 1}
     * @param task the task; not null
     * @throws IllegalArgumentException if {@code cpu} is out of range
     * @throws IllegalStateException    if the CPU is offline or already hosts a task, or the machine is closed
     */
    public void host(int cpu, CpuTask task) {
        ensureOpen();
        cpu(cpu).host(task);
    }

    /**
     * Takes a CPU offline and returns once it has stopped stepping its task. IPIs to it are refused
     * with {@link CallSingleData#OFFLINE} from now on; IPIs it accepted before still run (nothing
     * queued is stranded); its task stays hosted and resumes when the CPU is back online.
     *
     * @param cpu the CPU, {@code 0..cpus() - 1}; idempotent if already offline
     * @throws IllegalArgumentException if {@code cpu} is out of range
     * @throws IllegalStateException    if it is the last online CPU, the caller is a CPU of this machine, or
     *                                  the machine is closed
     */
    public void offline(int cpu) {
        setOnline(cpu(cpu), false);
    }

    /**
     * Brings a CPU back online and returns once it has seen the change.
     *
     * @param cpu the CPU, {@code 0..cpus() - 1}; idempotent if already online
     * @throws IllegalArgumentException if {@code cpu} is out of range
     * @throws IllegalStateException    if the caller is a CPU of this machine, or the machine is closed
     */
    public void online(int cpu) {
        setOnline(cpu(cpu), true);
    }

    /** @return how many CPUs are online now */
    public int onlineCpus() {
        synchronized (hotplug) {
            return online;
        }
    }

    /**
     * Where each CPU's thread runs.
     *
     * @return one entry per CPU, by CPU number
     */
    public List<Pinning> pinning() {
        List<Pinning> all = new ArrayList<>(cpus.length);
        for (Cpu cpu : cpus) {
            all.add(cpu.pinning());
        }
        return all;
    }

    /**
     * One line saying whether pinning took effect: pinned one per core, pinned round-robin because there
     * are more CPUs than cores, refused (with the OS's reason), unavailable, or off by configuration.
     *
     * @return the summary
     */
    public String pinningSummary() {
        if (pinnedOnePerCore()) {
            return "pinned one per core: " + cpus.length + " simulated CPUs on cores " + coresList();
        }
        if (!config.pin()) {
            return "not pinned: pinning is off by configuration";
        }
        if (pinningPlan != null) {
            return "not pinned: " + pinningPlan;
        }
        StringBuilder refused = new StringBuilder();
        int cores = 0;
        for (int use : coreUse) {
            cores += use > 0 ? 1 : 0;
        }
        for (Cpu cpu : cpus) {
            Pinning p = cpu.pinning();
            if (p != null && !p.pinned()) {
                refused.append(refused.length() == 0 ? "" : "; ").append("cpu").append(cpu.id()).append(": ").append(p.detail());
            }
        }
        if (refused.length() > 0) {
            return "pinning refused, those CPUs run unpinned: " + refused;
        }
        return "pinned round-robin: " + cpus.length + " simulated CPUs share " + cores
                + " cores, so CPUs on one core take turns and contention is understated";
    }

    /** @return whether every CPU's thread is pinned to a core of its own */
    public boolean pinnedOnePerCore() {
        for (Cpu cpu : cpus) {
            Pinning p = cpu.pinning();
            if (p == null || !p.pinned() || p.shared()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Faults raised so far by tasks and handlers on this machine's CPUs.
     *
     * @return a snapshot, oldest first
     */
    public List<CpuFault> faults() {
        return List.copyOf(faults);
    }

    /**
     * Stops every CPU and joins its thread; leaves none running. Each CPU first finishes the IPIs and
     * softirqs already pending. Idempotent.
     *
     * @throws IllegalStateException if called from one of this machine's CPUs (it cannot join itself),
     *                               or, after every thread has been joined, if any task or handler threw:
     *                               the first fault is the cause and the others are suppressed
     */
    @Override
    public void close() {
        Cpu self = Cpu.currentOrNull();
        if (self != null && self.machine() == this) {
            throw new IllegalStateException("close() called on cpu " + self.id()
                    + " of the machine it closes: a CPU cannot join its own thread; close from outside the machine");
        }
        synchronized (hotplug) {
            if (closed) {
                return;
            }
            closed = true;
            for (Cpu cpu : cpus) {
                cpu.request(Cpu.STOPPED);
            }
        }
        boolean interrupted = false;
        for (Cpu cpu : cpus) {
            while (true) {
                try {
                    cpu.thread().join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        List<CpuFault> all = faults();
        if (!all.isEmpty()) {
            IllegalStateException e = new IllegalStateException(
                    all.size() + " fault(s) on the simulated CPUs; first: " + all.get(0), all.get(0).error());
            for (CpuFault f : all.subList(1, all.size())) {
                e.addSuppressed(f.error());
            }
            throw e;
        }
    }

    /** @return whether {@link #close()} has been called */
    public boolean isClosed() {
        synchronized (hotplug) {
            return closed;
        }
    }

    /** @return whether every CPU thread has terminated (true after {@link #close()}) */
    public boolean terminated() {
        for (Cpu cpu : cpus) {
            if (cpu.thread().isAlive()) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- internals

    /** smp_load_acquire(&softirq_vec[nr]); pairs with openSoftirq. */
    SoftirqHandler softirqHandler(int nr) {
        return (SoftirqHandler) SOFTIRQS.getAcquire(softirqs, nr);
    }

    /** smp_load_acquire(&idle_hooks). */
    CpuHook[] idleHooks() {
        return (CpuHook[]) IDLE_HOOKS.getAcquire(this);
    }

    /** smp_load_acquire(&offline_hooks). */
    CpuHook[] offlineHooks() {
        return (CpuHook[]) OFFLINE_HOOKS.getAcquire(this);
    }

    /** Runs hooks on the calling CPU; a hook that throws is a fault and counts as no work. */
    int runHooks(CpuHook[] hooks, Cpu cpu, String where) {
        int work = 0;
        for (CpuHook hook : hooks) {
            try {
                work += hook.run(cpu);
            } catch (Throwable e) {
                fault(cpu.id(), where, e);
            }
        }
        return work;
    }

    private static CpuHook[] append(CpuHook[] hooks, CpuHook hook) {
        CpuHook[] more = Arrays.copyOf(hooks, hooks.length + 1);
        more[hooks.length] = hook;
        return more;
    }

    void fault(int cpu, String where, Throwable error) {
        CpuFault fault = new CpuFault(cpu, where, error);
        faults.add(fault);
        LOG.log(System.Logger.Level.ERROR, fault.toString(), error);
    }

    private void abortBoot() {
        for (Cpu cpu : cpus) {
            cpu.request(Cpu.STOPPED); // the started ones drain and exit; the others never run
        }
    }

    void booted() {
        booting.countDown();
    }

    boolean coreShared(int core) {
        return core >= 0 && coreUse[core] > 1;
    }

    private void setOnline(Cpu cpu, boolean up) {
        Cpu self = Cpu.currentOrNull();
        if (self != null && self.machine() == this) {
            throw new IllegalStateException((up ? "online(" : "offline(") + cpu.id() + ") called on cpu " + self.id()
                    + " of the same machine: a CPU must not wait for another CPU's acknowledgement (that CPU may be"
                    + " waiting for it); call it from a thread outside the machine");
        }
        // Hotplug operations are serialized by hotplugSerial, but the wait for the CPU's acknowledgement
        // happens outside the hotplug monitor, so the CPUs can call host(), openSoftirq() and the like
        // (which take it briefly) meanwhile.
        synchronized (hotplugSerial) {
            int st = up ? Cpu.ONLINE : Cpu.OFFLINE;
            synchronized (hotplug) {
                ensureOpen();
                if (cpu.isOnline() == up) {
                    return;
                }
                if (!up && online == 1) {
                    throw new IllegalStateException("cpu " + cpu.id() + " is the last online cpu: at least one must stay online");
                }
                cpu.request(st);
            }
            boolean acknowledged = cpu.awaitAcknowledged(st);
            synchronized (hotplug) {
                if (acknowledged) {
                    online += up ? 1 : -1;
                } else {
                    throw new IllegalStateException("cpu " + cpu.id() + " stopped before it went "
                            + (up ? "online" : "offline") + ": the machine was closed meanwhile");
                }
            }
        }
    }

    private void ensureOpen() {
        synchronized (hotplug) {
            if (closed) {
                throw new IllegalStateException("the machine is closed");
            }
        }
    }

    /** Fills plan[cpu] with a core, or -1; returns why nothing can be pinned, or null. */
    private static String plan(MachineConfig config, int[] plan) {
        Arrays.fill(plan, -1);
        if (!config.pin()) {
            return null;
        }
        String unavailable = Affinity.unavailable();
        if (unavailable != null) {
            return "pinning is unavailable: " + unavailable;
        }
        int[] allowed = Affinity.allowedCores();
        if (allowed == null || allowed.length == 0) {
            return "sched_getaffinity could not read this process's allowed cores";
        }
        for (int id = 0; id < plan.length; id++) {
            plan[id] = allowed[id % allowed.length];
        }
        return null;
    }

    private String coresList() {
        StringBuilder sb = new StringBuilder("[");
        for (Cpu cpu : cpus) {
            sb.append(sb.length() > 1 ? ", " : "").append(cpu.pinning().core());
        }
        return sb.append(']').toString();
    }
}
