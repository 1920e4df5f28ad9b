package org.percpudefer.defer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A small runner for model-based property tests: it generates cases (a setup and a sequence of
 * operations) from a seed, runs each against the shipping code and a sequential model, and on the first
 * failure shrinks the case (fewer operations, simpler operations, a simpler setup) and reports the
 * smallest failing case it found, one numbered operation per line.
 *
 * <p>Reproducible: the cases depend only on the seed, which defaults to a hash of the property's name (the
 * same cases on every run, as CI wants). {@code -Dpercpudefer.seed=N} explores other cases and replays a
 * reported failure; {@code -Dpercpudefer.tries=N} sets how many cases each property runs
 * ({@value #DEFAULT_TRIES} by default, sized for a 2-core CI machine).
 *
 * <p>Shrinking keeps every candidate that still fails, whatever the failure, so the report names the
 * failure of the smallest case, with the original failure's message after it.
 *
 * <p>Why not jqwik: from 1.10 on, jqwik's maintainers ask that it not be used by AI coding agents (its
 * "Anti-AI Usage Clause"), and these tests were written by one; the few dozen lines here are all the
 * properties need.
 *
 * @param <S> the setup of a case
 * @param <O> one operation
 */
final class ModelCheck<S, O> {

    /** Cases per property unless {@code -Dpercpudefer.tries} says otherwise. */
    static final int DEFAULT_TRIES = 300;
    /** Fewest cases after which a property also checks that its generator reached every outcome it should. */
    static final int COVERAGE_CASES = 100;
    /** Most runs one shrink may take: a bound on the time a failure costs. */
    private static final int SHRINK_RUNS = 2_000;

    /**
     * One generated case.
     *
     * @param setup what the run is built from
     * @param ops   the operations, in order
     * @param <S>   the setup type
     * @param <O>   the operation type
     */
    record Case<S, O>(S setup, List<O> ops) {
        Case {
            ops = List.copyOf(ops);
        }
    }

    private final String name;
    private final Function<SplittableRandom, Case<S, O>> generator;
    private final Consumer<Case<S, O>> property;
    private Function<Case<S, O>, List<S>> simplerSetups = c -> List.of();
    private Function<O, List<O>> simplerOps = o -> List.of();

    private ModelCheck(String name, Function<SplittableRandom, Case<S, O>> generator, Consumer<Case<S, O>> property) {
        this.name = name;
        this.generator = generator;
        this.property = property;
    }

    /**
     * @param name      the property, for the report and the default seed
     * @param generator makes one case from a random source (and nothing else)
     * @param property  runs one case; throws (an {@link AssertionError}, or whatever the code threw) if it fails
     * @param <S>       the setup type
     * @param <O>       the operation type
     * @return a check to run with {@link #run()}
     */
    static <S, O> ModelCheck<S, O> of(String name, Function<SplittableRandom, Case<S, O>> generator,
            Consumer<Case<S, O>> property) {
        return new ModelCheck<>(name, generator, property);
    }

    /** @param simpler simpler variants of a case's setup (for its operations), tried in order while shrinking @return this */
    ModelCheck<S, O> simplerSetups(Function<Case<S, O>, List<S>> simpler) {
        this.simplerSetups = simpler;
        return this;
    }

    /** @param simpler simpler variants of one operation, tried in order while shrinking @return this */
    ModelCheck<S, O> simplerOps(Function<O, List<O>> simpler) {
        this.simplerOps = simpler;
        return this;
    }

    /**
     * Runs the cases.
     *
     * @return how many cases ran (all of them)
     * @throws AssertionError naming the shrunk failing case, if one fails
     */
    int run() {
        long seed = seed();
        int tries = Integer.getInteger("percpudefer.tries", DEFAULT_TRIES);
        SplittableRandom seeds = new SplittableRandom(seed);
        for (int t = 0; t < tries; t++) {
            Case<S, O> c = generator.apply(seeds.split());
            Throwable failure = failure(c);
            if (failure != null) {
                throw report(t, tries, seed, c, failure);
            }
        }
        return tries;
    }

    private long seed() {
        String given = System.getProperty("percpudefer.seed");
        return given == null || given.isBlank() ? name.hashCode() : Long.decode(given.trim());
    }

    private Throwable failure(Case<S, O> c) {
        try {
            property.accept(c);
            return null;
        } catch (AssertionError | RuntimeException e) {
            return e;
        }
    }

    private AssertionError report(int t, int tries, long seed, Case<S, O> original, Throwable originalFailure) {
        Shrunk<S, O> s = shrink(original, originalFailure);
        StringBuilder sb = new StringBuilder()
                .append(name).append(": falsified by case ").append(t + 1).append(" of ").append(tries)
                .append(" (seed ").append(seed).append("; rerun with -Dpercpudefer.seed=").append(seed).append(")\n")
                .append("shrunk from ").append(original.ops().size()).append(" operations to ")
                .append(s.best.ops().size()).append(" in ").append(s.runs).append(" runs:\n")
                .append(describe(s.best))
                .append("failure: ").append(s.failure).append('\n');
        if (s.best != original) {
            sb.append("original failure: ").append(originalFailure).append('\n');
        }
        AssertionError e = new AssertionError(sb.toString(), s.failure);
        if (s.best != original) {
            e.addSuppressed(originalFailure);
        }
        return e;
    }

    /** The setup, then one numbered operation per line: the numbers are the steps failures name. */
    static String describe(Case<?, ?> c) {
        StringBuilder sb = new StringBuilder("  setup: ").append(c.setup()).append('\n');
        for (int i = 0; i < c.ops().size(); i++) {
            sb.append(String.format("  %3d. %s%n", i, c.ops().get(i)));
        }
        return sb.toString();
    }

    private record Shrunk<S, O>(Case<S, O> best, Throwable failure, int runs) {
    }

    /** Deletes runs of operations (halves down to single ones), then simplifies operations and the setup. */
    private Shrunk<S, O> shrink(Case<S, O> start, Throwable startFailure) {
        Case<S, O> best = start;
        Throwable failure = startFailure;
        int runs = 0;
        boolean progress = true;
        while (progress && runs < SHRINK_RUNS) {
            progress = false;
            for (int size = Math.max(1, best.ops().size() / 2); size >= 1 && runs < SHRINK_RUNS; size /= 2) {
                for (int i = 0; i + size <= best.ops().size() && runs < SHRINK_RUNS; ) {
                    List<O> fewer = new ArrayList<>(best.ops().subList(0, i));
                    fewer.addAll(best.ops().subList(i + size, best.ops().size()));
                    Case<S, O> candidate = new Case<>(best.setup(), fewer);
                    Throwable f = failure(candidate);
                    runs++;
                    if (f != null) {
                        best = candidate;
                        failure = f;
                        progress = true;
                    } else {
                        i += size;
                    }
                }
            }
            for (int i = 0; i < best.ops().size() && runs < SHRINK_RUNS; i++) {
                for (O simpler : simplerOps.apply(best.ops().get(i))) {
                    List<O> ops = new ArrayList<>(best.ops());
                    ops.set(i, simpler);
                    Case<S, O> candidate = new Case<>(best.setup(), ops);
                    Throwable f = failure(candidate);
                    runs++;
                    if (f != null) {
                        best = candidate;
                        failure = f;
                        progress = true;
                        break;
                    }
                }
            }
            for (S simpler : simplerSetups.apply(best)) {
                if (runs >= SHRINK_RUNS || Objects.equals(simpler, best.setup())) {
                    continue;
                }
                Case<S, O> candidate = new Case<>(simpler, best.ops());
                Throwable f = failure(candidate);
                runs++;
                if (f != null) {
                    best = candidate;
                    failure = f;
                    progress = true;
                    break;
                }
            }
        }
        return new Shrunk<>(best, failure, runs);
    }

    /** Simpler values of a small non-negative number, for shrinking: 0, then one less. */
    static List<Integer> smaller(int n, int floor) {
        List<Integer> out = new ArrayList<>(2);
        if (n > floor) {
            out.add(floor);
        }
        if (n - 1 > floor) {
            out.add(n - 1);
        }
        return out;
    }
}
