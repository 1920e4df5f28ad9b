package org.percpudefer.net;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.percpudefer.cpu.Activity;
import org.percpudefer.cpu.Cpu;
import org.percpudefer.cpu.CpuTask;
import org.percpudefer.cpu.Machine;
import org.percpudefer.cpu.MachineConfig;
import org.percpudefer.cpu.Softirq;
import org.percpudefer.defer.DeferLists;
import org.percpudefer.defer.DeferStats;
import org.percpudefer.defer.DeferVariant;
import org.percpudefer.defer.Ledger;

/**
 * One emulated TCP flow on its own {@link Machine}: the seed's experiment, by mechanism.
 *
 * <p><b>The receive side</b> runs in the NET_RX softirq of the NIC's CPU, as a NAPI poll: while the
 * socket's receive buffer has room and the poll's budget lasts, it takes an skb from the slab cache and
 * {@link FlowConfig#fragsPerSkb()} pages from the queue's {@link PagePool} (the page allocator behind it
 * when the pool is empty), writes the payload into the pages (the NIC's DMA, real bytes) and queues the
 * skb on the {@link Socket}. Then it flushes its defer list, as {@code net_rx_action} does. A poll that
 * used its budget stays scheduled (NET_RX raised again); one that found the buffer full stops, and the
 * NIC's interrupt (a task on the NIC's CPU) schedules it again once the reader has opened the window.
 *
 * <p><b>The reader</b> is a task on the reader's CPU ({@code recvmsg}): it takes skbs off the socket,
 * copies their payload into a user buffer (real copies, checked against what the NIC wrote), uncharges
 * them, and frees them through the configured {@link DeferVariant}: {@code NONE} frees the skb and its
 * pages right there, into the reader CPU's slab magazine and page list, which spill to the shared depot
 * and zone under their locks while the NIC's CPU refills from them; the other variants hand the skb to
 * the defer lists, which bring it home to the NIC's CPU, where its pages are recycled by the page pool.
 *
 * <p>Every CPU publishes its {@link Activity}, so a {@link org.percpudefer.cpu.Sampler} on
 * {@link #machine()} gives the seed's profile. Lifecycle: {@link #start(FlowConfig)}, read
 * {@link #bytesCopied()} while it runs, then {@link #stop(long, TimeUnit)}, which returns the accounting
 * of every skb and page.
 */
public final class Flow {

    /** Fragments a NAPI poll builds before it yields (the kernel's budget of 64, counted in 4 KB frames). */
    static final int NAPI_BUDGET_FRAGS = 64;
    /** skbs a reader's step takes off the socket before it yields. */
    static final int RECV_SKBS_PER_STEP = 4;
    /** Bytes of a cache line: what the CPU writes at each end of a fragment under {@link Dma#HEADERS}. */
    static final int CACHE_LINE = 64;
    /** Objects a slab magazine holds. */
    static final int SLAB_MAGAZINE = 64;

    private final FlowConfig config;
    private final Machine machine;
    private final PageAllocator pages;
    private final PagePool pool;
    private final SlabCache<Skb> slab;
    private final Socket socket;
    private final DeferLists<Skb> lists;
    /** The accounting mode's ledger, or null. */
    private final Ledger ledger;
    private final int nic;
    private final int reader;
    private final int frags;
    private final int truesize;
    private final boolean fullDma;
    private final CountDownLatch nicDone = new CountDownLatch(1);
    private final CountDownLatch readerDone = new CountDownLatch(1);

    // ---- NIC CPU only
    /** NAPI_STATE_SCHED: a poll is raised or running. */
    private boolean napiScheduled;
    /** Set while the NIC's NET_RX handler runs: frees in it may recycle to the page pool. */
    private boolean inNapi;
    private byte stamp;
    private long skbsBuilt;
    private long windowClosed;
    private long outOfMemory;

    // ---- reader CPU only
    private final byte[] user;
    private long skbsRead;
    private long corrupt;

    /** The two fields other threads read: the stop flag and the copied-bytes count. */
    private final Shared shared = new Shared();

    private Flow(FlowConfig config, Ledger ledger) {
        this.config = config;
        this.ledger = ledger;
        this.nic = config.nicCpu();
        this.reader = config.readerCpu();
        this.frags = config.fragsPerSkb();
        this.truesize = frags * PageAllocator.PAGE_SIZE;
        this.fullDma = config.dma() == Dma.CPU;
        this.user = new byte[config.groSize()];
        this.pages = new PageAllocator(config.cpus(), config.zonePages(), PageAllocator.DEFAULT_HIGH,
                PageAllocator.DEFAULT_BATCH);
        this.pool = new PagePool(pages, nic, config.pagePoolSize());
        this.slab = new SlabCache<>(config.cpus(), SLAB_MAGAZINE, () -> new Skb(frags));
        this.socket = new Socket(config.rcvbuf(), truesize);
        this.machine = Machine.boot(MachineConfig.of(config.cpus()).withPin(config.pin()));
        try {
            this.lists = ledger == null ? DeferLists.install(machine, config.variant(), config.lock(), this::freeSkb)
                    : DeferLists.install(machine, config.variant(), config.lock(), this::freeSkb, ledger);
            lists.setDeferMax(config.deferMax());
            machine.openSoftirq(Softirq.NET_RX, this::netRxAction); // replaces the lists' own: it flushes too
        } catch (RuntimeException | Error e) {
            machine.close();
            throw e;
        }
    }

    /**
     * Boots a machine and starts the flow on it.
     *
     * @param config the set-up; not null
     * @return the running flow
     */
    public static Flow start(FlowConfig config) {
        return start(new Flow(Objects.requireNonNull(config, "config"), null));
    }

    /**
     * {@link #start(FlowConfig)} in the accounting mode: every skb is recorded on {@code ledger} when NAPI
     * builds it and each time the reader touches it, so a double free, a foreign skb or a use after free
     * throws on the CPU that made it, and {@link #stop} proves the ledger clean.
     *
     * @param config the set-up
     * @param ledger the ledger
     * @return the running flow
     */
    public static Flow start(FlowConfig config, Ledger ledger) {
        return start(new Flow(Objects.requireNonNull(config, "config"), Objects.requireNonNull(ledger, "ledger")));
    }

    private static Flow start(Flow flow) {
        if (flow.nic == flow.reader) {
            flow.machine.host(flow.nic, cpu -> flow.readerStep(cpu, flow.nicStep(cpu)));
        } else {
            flow.machine.host(flow.nic, cpu -> flow.nicStep(cpu));
            flow.machine.host(flow.reader, cpu -> flow.readerStep(cpu, 0));
        }
        return flow;
    }

    /** @return the machine the flow runs on (for a sampler) */
    public Machine machine() {
        return machine;
    }

    /** @return the set-up */
    public FlowConfig config() {
        return config;
    }

    /** @return payload bytes copied to user space so far (any thread) */
    public long bytesCopied() {
        return shared.bytesCopiedOnce();
    }

    /** @return the defer lists (their counters can be read while the flow runs) */
    public DeferLists<Skb> lists() {
        return lists;
    }

    /**
     * Stops the NIC, lets the reader empty the socket, closes the machine, and accounts for every skb
     * and page.
     *
     * @param timeout how long to wait for the CPUs to finish
     * @param unit    its unit; not null
     * @return the flow's counters and accounting
     * @throws InterruptedException  if interrupted while waiting
     * @throws IllegalStateException if the CPUs did not finish in time, a CPU faulted, an skb or page is
     *                               missing at the end, or (accounting mode) the ledger is not clean
     */
    public Report stop(long timeout, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(unit, "unit"); // before anything changes: a bad call leaves the flow as it was
        shared.stop();
        machine.cpu(nic).wake();
        machine.cpu(reader).wake();
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        boolean finished = nicDone.await(timeout, unit)
                && readerDone.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        machine.close(); // rethrows a CPU's fault; joins the CPUs, so their plain state is ours now
        if (!finished) {
            throw new IllegalStateException("the flow did not stop within " + timeout + " " + unit);
        }
        int drained = lists.drain();
        // after the drain: a BATCHED batch the reader had not handed over when the machine closed is
        // counted there (LOCAL_OFFLINE), so deferred + local fallbacks = skbs read, whatever the timing
        List<DeferStats> stats = lists.stats();
        pool.drainTo(nic);
        pages.checkZone();
        long skbsMade = slab.created();
        long skbsFree = slab.cached();
        int pagesFree = pages.freePages();
        if (skbsFree != skbsMade || pagesFree != pages.pages()) {
            throw new IllegalStateException("lost at the end: " + (skbsMade - skbsFree) + " skbs of " + skbsMade
                    + ", " + (pages.pages() - pagesFree) + " pages of " + pages.pages());
        }
        Ledger.Report audit = ledger == null ? null : ledger.audit().requireClean();
        return new Report(skbsBuilt, skbsRead, bytesCopied(), corrupt, windowClosed, outOfMemory,
                DeferStats.total(stats), pages.stats(), slab.depotLocks(), slab.depotContended(), skbsMade,
                pool.recycled(), pool.fromAllocator(), drained, audit);
    }

    /**
     * What a flow did, and the proof that it lost nothing.
     *
     * @param skbsBuilt      skbs the NIC queued
     * @param skbsRead       skbs the reader consumed (equal to skbsBuilt after stop)
     * @param bytesCopied    payload bytes copied to user space
     * @param corrupt        fragments whose bytes were not what the NIC wrote (a use after free: 0)
     * @param windowClosed   NAPI polls that stopped on a full receive buffer
     * @param outOfMemory    NAPI polls that stopped on an empty zone (a drop: 0 with the defaults)
     * @param defer          the defer lists' counters, summed over the CPUs (the drain at stop included)
     * @param zone           the page allocator's counters
     * @param depotLocks     slab depot lock acquisitions
     * @param depotContended of those, contended ones
     * @param skbsMade       skbs the slab made (all back in it at the end)
     * @param pagesRecycled  pages the page pool recycled directly
     * @param poolMisses     pages the page pool had to take from the allocator
     * @param drainedAtStop  skbs still on defer lists when the machine closed, freed then
     * @param audit          the ledger's audit in the accounting mode (clean, or stop would have thrown), else null
     */
    public record Report(long skbsBuilt, long skbsRead, long bytesCopied, long corrupt, long windowClosed,
            long outOfMemory, DeferStats defer, PageAllocator.Stats zone, long depotLocks, long depotContended,
            long skbsMade, long pagesRecycled, long poolMisses, int drainedAtStop, Ledger.Report audit) {
    }

    // ---------------------------------------------------------------- the NIC's CPU

    /** The NIC's interrupt: schedule NAPI when the window is open. */
    private int nicStep(Cpu cpu) {
        if (stoppingOnce()) {
            if (!napiScheduled) {
                nicDone.countDown();
                if (nic == reader) {
                    return 0;
                }
                machine.cpu(reader).wake(); // it may be asleep on an empty socket: let it see we are done
                return CpuTask.DONE;
            }
            return 0;
        }
        if (!napiScheduled && socket.hasRoom(truesize)) {
            napiScheduled = true;
            cpu.raiseSoftirq(Softirq.NET_RX);
            return 1;
        }
        return 0;
    }

    /** NET_RX: the NAPI poll, then the defer list's flush, as net_rx_action does. */
    private void netRxAction(Cpu cpu) {
        if (cpu.id() != nic) {
            lists.flush(); // a kick IPI on another CPU: its defer list only
            return;
        }
        inNapi = true;
        int was = cpu.enter(Activity.NAPI_POLL);
        try {
            if (napiScheduled) {
                poll(cpu);
            }
            cpu.enter(Activity.DEFER_FLUSH);
            lists.flush();
        } finally {
            inNapi = false;
            cpu.restore(was);
        }
    }

    private void poll(Cpu cpu) {
        int built = 0;
        boolean queued = false;
        while (!stoppingOnce()) {
            if (!socket.hasRoom(truesize)) {
                windowClosed++;
                napiScheduled = false; // napi_complete: the interrupt reschedules it
                break;
            }
            if (built >= NAPI_BUDGET_FRAGS) {
                cpu.raiseSoftirq(Softirq.NET_RX); // budget used: stay scheduled
                break;
            }
            Skb skb = build(cpu);
            if (skb == null) {
                outOfMemory++;
                napiScheduled = false;
                break;
            }
            socket.tryQueue(skb);
            skbsBuilt++;
            built += frags;
            queued = true;
        }
        if (stoppingOnce()) {
            napiScheduled = false;
        }
        if (queued && reader != nic) {
            machine.cpu(reader).wake(); // data ready: wake the reader if it sleeps
        }
    }

    private Skb build(Cpu cpu) {
        cpu.enter(Activity.ALLOC_SKB);
        Skb skb = slab.alloc(nic);
        skb.recordAllocCpu();
        cpu.enter(Activity.ALLOC_PAGE);
        for (int i = 0; i < frags; i++) {
            int pfn = pool.alloc();
            if (pfn < 0) {
                for (int j = 0; j < i; j++) {
                    pool.put(skb.frags[j], nic, true);
                }
                slab.free(nic, skb);
                return null;
            }
            skb.frags[i] = pfn;
        }
        skb.nrFrags = frags;
        skb.len = frags * PageAllocator.PAGE_SIZE;
        skb.truesize = truesize;
        skb.stamp = ++stamp;
        cpu.enter(Activity.WRITE_PAYLOAD); // the DMA's result, written by this CPU
        byte[] memory = pages.memory();
        for (int i = 0; i < frags; i++) {
            int off = PageAllocator.offset(skb.frags[i]);
            if (fullDma) {
                Arrays.fill(memory, off, off + PageAllocator.PAGE_SIZE, skb.stamp);
            } else { // the device wrote the payload; the CPU writes the lines the stack touches
                Arrays.fill(memory, off, off + CACHE_LINE, skb.stamp);
                Arrays.fill(memory, off + PageAllocator.PAGE_SIZE - CACHE_LINE, off + PageAllocator.PAGE_SIZE, skb.stamp);
            }
        }
        if (ledger != null) {
            ledger.allocated(skb); // only a built skb enters circulation
        }
        cpu.enter(Activity.NAPI_POLL);
        return skb;
    }

    // ---------------------------------------------------------------- the reader's CPU

    /** recvmsg: copy, uncharge, free. */
    private int readerStep(Cpu cpu, int nicWork) {
        int was = cpu.enter(Activity.RECVMSG);
        int n = 0;
        try {
            Skb skb;
            while (n < RECV_SKBS_PER_STEP && (skb = socket.poll()) != null) {
                if (ledger != null) {
                    ledger.used(skb); // a use after free throws here, before the copy reads freed pages
                }
                copyToUser(cpu, skb);
                socket.uncharge(skb.truesize);
                cpu.enter(config.variant() == DeferVariant.NONE ? Activity.FREE_SKB : Activity.DEFER_PUSH);
                lists.attemptDeferFree(skb);
                cpu.enter(Activity.RECVMSG);
                n++;
            }
            if (n > 0 && config.variant() == DeferVariant.PER_SOCKET) {
                lists.flush(); // 5.17: the socket's list is freed after release_sock()
            }
        } finally {
            cpu.restore(was);
        }
        skbsRead += n;
        if (n > 0 && reader != nic) {
            machine.cpu(nic).wake(); // the window opened: the NIC may poll again
        }
        if (n == 0 && nicDone.getCount() == 0 && socket.queued() == 0) {
            readerDone.countDown();
            return CpuTask.DONE;
        }
        return n + nicWork;
    }

    private void copyToUser(Cpu cpu, Skb skb) {
        cpu.enter(Activity.COPY_TO_USER);
        byte[] memory = pages.memory();
        int pos = 0;
        for (int i = 0; i < skb.nrFrags; i++) {
            int off = PageAllocator.offset(skb.frags[i]);
            System.arraycopy(memory, off, user, pos, PageAllocator.PAGE_SIZE);
            if (user[pos] != skb.stamp || user[pos + PageAllocator.PAGE_SIZE - 1] != skb.stamp) {
                corrupt++;
            }
            pos += PageAllocator.PAGE_SIZE;
        }
        shared.addCopied(skb.len);
    }

    // ---------------------------------------------------------------- freeing, on whichever CPU frees

    /**
     * skb_release_data + kfree_skbmem: the pages to the pool (recycled only on the NIC's CPU in its
     * softirq), the skb to the slab. After the machine closed ({@link DeferLists#drain()}), the caller's
     * thread frees on the NIC CPU's behalf.
     */
    private void freeSkb(Skb skb) {
        Cpu cpu = Cpu.currentOrNull();
        int id = cpu == null ? nic : cpu.id();
        int was = cpu == null ? 0 : cpu.enter(Activity.FREE_PAGES);
        boolean napi = id == nic && inNapi;
        for (int i = 0; i < skb.nrFrags; i++) {
            pool.put(skb.frags[i], id, napi);
        }
        skb.nrFrags = 0;
        if (cpu != null) {
            cpu.enter(Activity.FREE_SKB);
        }
        slab.free(id, skb);
        if (cpu != null) {
            cpu.restore(was);
        }
    }

    /** READ_ONCE(stopping). */
    private boolean stoppingOnce() {
        return shared.stoppingOnce();
    }

    /**
     * The flow's fields that cross threads outside the CPUs' own protocols, in a holder of their own so
     * that jcstress reaches them without booting a machine.
     *
     * <p>{@code stopping} is a stop flag: WRITE_ONCE by {@link Flow#stop}, READ_ONCE by both CPUs at each
     * step and each poll iteration. Nothing is published through it (the CPUs' counts reach
     * {@code stop()} through {@link Machine#close()}'s join), so all it needs is to be seen eventually:
     * READ_ONCE is never hoisted out of the polling loop (jcstress {@code net.FlowStopSeen}, where a
     * plain flag may spin for ever).
     *
     * <p>{@code bytesCopied} is written by the reader's CPU alone, WRITE_ONCE of its own plain read plus the
     * copy, and read by anyone with READ_ONCE: a reader sees it untorn and never going back (jcstress
     * {@code net.BytesCopiedCoherence}, where a second writer loses bytes).
     */
    static final class Shared {
        private static final VarHandle COPIED;
        private static final VarHandle STOPPING;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                COPIED = lookup.findVarHandle(Shared.class, "bytesCopied", long.class);
                STOPPING = lookup.findVarHandle(Shared.class, "stopping", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** Written by the reader alone (WRITE_ONCE of its own count), read by anyone with READ_ONCE. */
        private long bytesCopied;
        /** WRITE_ONCE by stop(); READ_ONCE by both CPUs, which only stop earlier or later because of it. */
        @SuppressWarnings("unused") // STOPPING
        private boolean stopping;

        /** The reader's CPU, its one writer: WRITE_ONCE(bytesCopied, bytesCopied + n). */
        void addCopied(long n) {
            COPIED.setOpaque(this, bytesCopied + n); // single writer: its own plain read is current
        }

        /** Any thread: READ_ONCE(bytesCopied). */
        long bytesCopiedOnce() {
            return (long) COPIED.getOpaque(this);
        }

        /** WRITE_ONCE(stopping, true). */
        void stop() {
            STOPPING.setOpaque(this, true);
        }

        /** READ_ONCE(stopping). */
        boolean stoppingOnce() {
            return (boolean) STOPPING.getOpaque(this);
        }
    }
}
