"""Seed 001's own learning-rate classes, as the article prints them (section 2.3).

Cases run them through ``keras.callbacks.LearningRateScheduler``: their
``hints.keras.source`` names this file, and the Keras adapter copies it into each
reproducer. Left out: the plotting base class ``LearningRateDecay`` (it needs matplotlib
and plays no part in the rate). The article's indentation, which mixes tabs and spaces, is
made uniform; the code is otherwise unchanged.
"""

import numpy as np


class StepDecay:
    def __init__(self, initAlpha=0.01, factor=0.25, dropEvery=10):
        # store the base initial learning rate, drop factor, and epochs to drop every
        self.initAlpha = initAlpha
        self.factor = factor
        self.dropEvery = dropEvery

    def __call__(self, epoch):
        # compute the learning rate for the current epoch
        exp = np.floor((1 + epoch) / self.dropEvery)
        alpha = self.initAlpha * (self.factor**exp)
        # return the learning rate
        return float(alpha)


class PolynomialDecay:
    def __init__(self, maxEpochs=100, initAlpha=0.01, power=1.0):
        # store the maximum number of epochs, base learning rate, and power of the polynomial
        self.maxEpochs = maxEpochs
        self.initAlpha = initAlpha
        self.power = power

    def __call__(self, epoch):
        # compute the new learning rate based on polynomial decay
        decay = (1 - (epoch / float(self.maxEpochs))) ** self.power
        alpha = self.initAlpha * decay
        # return the new learning rate
        return float(alpha)
