package com.example;

import com.example.models.XorMLP;

/** Trains the XOR network of src/main/net/xor_mlp.net from Java and prints what it learned. */
public final class App {
    public static void main(String[] args) {
        float[][] x = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
        float[][] t = {{0}, {1}, {1}, {0}};
        XorMLP model = new XorMLP();  // initialised as the model says (seed 42)
        double loss = Double.NaN;
        for (int step = 0; step < 400; step++) loss = model.trainStep(x, t);
        System.out.printf("loss after 400 steps: %.4f%n", loss);
        for (float[] row : x) System.out.printf("%.0f xor %.0f -> %.3f%n", row[0], row[1], model.predict(row)[0]);
    }
}
