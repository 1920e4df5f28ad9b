package org.percpudefer.net;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

import org.jctools.queues.atomic.SpscAtomicArrayQueue;

/**
 * A TCP socket's receive side: a lock-free queue of skbs (JCTools' SPSC queue: one flow, one NAPI
 * producer, one reader) and a receive-buffer limit. The receive side charges each skb's truesize before
 * queueing it and stops queueing when the charge would pass {@code rcvbuf} (as TCP's advertised window
 * stops the sender); the reader uncharges after its copy, before the skb is freed, so the window opens
 * whether the skb is freed at once or deferred.
 *
 * <p>Thread contract: {@link #tryQueue(Skb)} on the receive CPU only, {@link #poll()} and
 * {@link #uncharge(int)} on the reading CPU only; the rest from any thread.
 */
public final class Socket {

    private static final VarHandle RMEM;

    static {
        try {
            RMEM = MethodHandles.lookup().findVarHandle(Socket.class, "rmemAlloc", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long rcvbuf;
    private final SpscAtomicArrayQueue<Skb> queue;
    long p01, p02, p03, p04, p05, p06, p07;
    /** Bytes charged: atomic_add by the receive side, atomic_sub by the reader, READ_ONCE by both. */
    @SuppressWarnings("unused") // RMEM
    private long rmemAlloc;
    long p11, p12, p13, p14, p15, p16, p17;

    /**
     * @param rcvbuf    the receive buffer, in bytes, {@code 1..}
     * @param minTruesize the smallest truesize an skb will have: sizes the queue so that it never refuses
     *                  an skb the byte limit admits
     * @throws IllegalArgumentException if a value is out of range
     */
    public Socket(long rcvbuf, int minTruesize) {
        if (rcvbuf < 1) {
            throw new IllegalArgumentException("rcvbuf " + rcvbuf + " is out of range (allowed: 1..)");
        }
        if (minTruesize < 1) {
            throw new IllegalArgumentException("truesize " + minTruesize + " is out of range (allowed: 1..)");
        }
        this.rcvbuf = rcvbuf;
        this.queue = new SpscAtomicArrayQueue<>((int) Math.min(1 << 24, rcvbuf / minTruesize + 1));
    }

    /** @return the receive buffer limit, in bytes */
    public long rcvbuf() {
        return rcvbuf;
    }

    /**
     * Whether an skb of {@code truesize} would be admitted now (tcp_try_rmem_schedule). A socket always
     * admits one skb when nothing is charged, so a buffer smaller than one skb still makes progress.
     *
     * @param truesize the skb's truesize, {@code 0..}
     * @return whether {@link #tryQueue(Skb)} would admit it
     * @throws IllegalArgumentException if {@code truesize} is negative
     */
    public boolean hasRoom(int truesize) {
        checkTruesize(truesize);
        long charged = rmemOnce();
        return charged == 0 || charged + truesize <= rcvbuf;
    }

    /**
     * Charges and queues {@code skb} if the receive buffer has room.
     *
     * @param skb a full skb; not null
     * @return whether it was queued; if not, the caller still owns it
     */
    public boolean tryQueue(Skb skb) {
        Objects.requireNonNull(skb, "skb");
        if (!hasRoom(skb.truesize)) {
            return false;
        }
        addRmem(skb.truesize);
        if (!queue.offer(skb)) { // cannot happen: the queue is sized for rcvbuf
            addRmem(-skb.truesize);
            return false;
        }
        return true;
    }

    /** @return the oldest queued skb, or null */
    public Skb poll() {
        return queue.poll();
    }

    /**
     * Gives back the charge of a consumed skb (sock_rfree).
     *
     * @param truesize the skb's truesize, {@code 0..charged()}
     * @throws IllegalArgumentException if {@code truesize} is negative
     * @throws IllegalStateException    if fewer bytes are charged (an skb uncharged twice, or never queued);
     *                                  the charge is left as it was
     */
    public void uncharge(int truesize) {
        checkTruesize(truesize);
        long before = (long) RMEM.getAndAdd(this, (long) -truesize); // atomic_sub_return, as addRmem
        if (before < truesize) {
            addRmem(truesize);
            throw new IllegalStateException("uncharge of " + truesize + " bytes, but only " + before
                    + " are charged (allowed: the truesize of an skb queued and not yet uncharged)");
        }
    }

    private static void checkTruesize(int truesize) {
        if (truesize < 0) {
            throw new IllegalArgumentException("truesize " + truesize + " is out of range (allowed: 0..)");
        }
    }

    /** @return bytes charged now (a snapshot) */
    public long charged() {
        return rmemOnce();
    }

    /** @return skbs queued now (a snapshot) */
    public int queued() {
        return queue.size();
    }

    /** READ_ONCE(sk_rmem_alloc). */
    private long rmemOnce() {
        return (long) RMEM.getOpaque(this);
    }

    /** atomic_add(n, &sk_rmem_alloc) (negative n: atomic_sub). */
    private void addRmem(long n) {
        RMEM.getAndAdd(this, n);
    }
}
