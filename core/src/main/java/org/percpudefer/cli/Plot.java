package org.percpudefer.cli;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;
import org.percpudefer.cpu.Activity;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;

/** {@code compare --plot}: throughput per variant with its spread, beside the reader's stacked profiles (XChart). */
final class Plot {

    private static final int W = 560;
    private static final int W2 = 760;
    private static final int H = 520;

    private Plot() {
    }

    static void write(Path file, List<Result> results, int readerCpu) throws IOException {
        CategoryChart throughput = throughput(results);
        CategoryChart profile = profile(results, readerCpu);
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".svg")) {
            VectorGraphics2D g = new VectorGraphics2D();
            paint(g, throughput, profile);
            try (OutputStream out = Files.newOutputStream(file)) {
                new SVGProcessor().getDocument(g.getCommands(), new PageSize(0, 0, W + W2, H)).writeTo(out);
            }
        } else {
            BufferedImage img = new BufferedImage(W + W2, H, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            paint(g, throughput, profile);
            g.dispose();
            ImageIO.write(img, "png", file.toFile());
        }
    }

    private static void paint(Graphics2D g, CategoryChart left, CategoryChart right) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W + W2, H);
        left.paint(g, W, H);
        g.translate(W, 0);
        right.paint(g, W2, H);
        g.translate(-W, 0);
    }

    private static CategoryChart throughput(List<Result> rs) {
        CategoryChart c = new CategoryChartBuilder().width(W).height(H).title("Throughput, mean and standard deviation of the runs")
                .xAxisTitle("variant").yAxisTitle("Mbit/s copied to user").build();
        c.getStyler().setLegendVisible(false);
        c.getStyler().setErrorBarsColor(Color.BLACK);
        c.getStyler().setXAxisLabelRotation(30);
        c.getStyler().setYAxisDecimalPattern("#,###");
        List<String> names = new ArrayList<>();
        List<Double> means = new ArrayList<>();
        List<Double> errors = new ArrayList<>();
        for (Result r : rs) {
            names.add(r.variant.name());
            means.add(r.mean());
            errors.add(r.stdev());
        }
        c.addSeries("Mbit/s", names, means, errors);
        return c;
    }

    private static CategoryChart profile(List<Result> rs, int readerCpu) {
        CategoryChart c = new CategoryChartBuilder().width(W2).height(H).title("Reader cpu" + readerCpu + ": share of samples")
                .xAxisTitle("variant").yAxisTitle("% of samples").build();
        c.getStyler().setStacked(true);
        c.getStyler().setXAxisLabelRotation(30);
        c.getStyler().setYAxisMax(100.0);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        List<String> names = new ArrayList<>();
        for (Result r : rs) {
            names.add(r.variant.name());
        }
        for (Activity a : Activity.values()) {
            if (rs.stream().noneMatch(r -> r.share(a) >= 0.005)) {
                continue;
            }
            List<Double> shares = new ArrayList<>();
            for (Result r : rs) {
                shares.add(100 * r.share(a));
            }
            c.addSeries(a.label(), names, shares);
        }
        return c;
    }
}
