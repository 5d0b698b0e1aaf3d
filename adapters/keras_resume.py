"""Keras: resuming a case from a checkpoint (issue 14), the program pieces of :mod:`adapters.keras_adapter`.

A program with resume points trains a model as a script does and saves it after ``k`` updates; the restoring
source (run in a new interpreter by :func:`adapters._base.resume_epilogue`) builds it again from the files
alone and continues to the last step. The ways (probes ``<way>_at_<k>``):

- ``keras_file`` (schedules and ``SGD``'s own arguments): ``model.save("k.keras")``, then
  ``keras.models.load_model``, which rebuilds the model, its compiled ``SGD`` and the schedule from their
  configs and loads the optimizer's variables (``iterations``, which the schedule reads).
- ``weights``: ``model.save_weights("k.weights.h5")``, then a new model compiled with a new optimizer and
  ``load_weights``: the file holds the optimizer's variables too when the model is compiled before loading
  (keras-team/keras#22014).
- ``initial_epoch`` (callbacks): ``model.save("k.keras")`` at the end of epoch ``k``, then ``load_model``
  and ``model.fit(initial_epoch=k)`` with a new callback, as a script restarted at epoch ``k`` does.

Updates on a model's variables go through the backend's ``make_update`` (:attr:`Backend.resume_update`):
each from zeroed variables with gradient 1, so that the bias moves by exactly the rate applied; the optimizer
counts its own updates.
"""

from __future__ import annotations

__all__ = [
    "CALLBACK_WAYS",
    "CHECKPOINTER",
    "SCHEDULE_WAYS",
    "block_line",
    "callback_restore",
    "embeddable",
    "schedule_restore",
    "schedule_save",
]

#: The ways of resuming a schedule object (or ``SGD``'s own arguments), and a callback.
SCHEDULE_WAYS = ("keras_file", "weights")
CALLBACK_WAYS = ("initial_epoch",)

_MODEL = """
def build_model():
    '''The model a training script builds: Dense(1), compiled with the case's optimizer.'''
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    model.compile(optimizer={optimizer}, loss="mean_absolute_error")
    return model

{make_update}"""

_SAVE = """
# resume: a model trained update by update, saved after k updates as a training script saves it
{model}
model = build_model()
update_once = make_update(model.optimizer, model.trainable_variables)
compared = set({steps}.tolist())
trained = []  # the rates this training applied at the compared steps
for step in range(max(resume_at)):
    rate = update_once()
    if step in compared:
        trained.append(rate)
    if step + 1 in resume_at:  # the whole model, and the weights alone
        model.save(os.path.join(checkpoints, f"{{step + 1}}.keras"))
        model.save_weights(os.path.join(checkpoints, f"{{step + 1}}.weights.h5"))
"""

_RESTORE = """{header}
{model}

def continued(k, model):
    '''The rates the restored optimizer applies at the compared steps from k on, counting its own updates.'''
    update_once = make_update(model.optimizer, model.trainable_variables)
    rates = []
    for step in range(k, last + 1):
        rate = update_once()
        if step in compared:
            rates.append(rate)
    return rates


def keras_file(k):
    '''keras.models.load_model: the model, its SGD and the schedule rebuilt from their configs, the
    optimizer's variables (iterations) loaded.'''
    return continued(k, keras.models.load_model(os.path.join(folder, f"{{k}}.keras")))


def weights(k):
    '''A new model compiled with a new optimizer, then load_weights of the .weights.h5 file.'''
    model = build_model()
    model.load_weights(os.path.join(folder, f"{{k}}.weights.h5"))
    return continued(k, model)
"""

#: Added to a callback program: the model saved at the end of epoch k (after the callbacks before it).
CHECKPOINTER = """

class Checkpointer(keras.callbacks.Callback):
    '''Saves the model at the end of epoch k (k epochs done), as ModelCheckpoint does.'''

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in resume_at:
            self.model.save(os.path.join(checkpoints, f"{epoch + 1}.keras"))
"""

_CALLBACK_RESTORE = """{header}
{definitions}

def initial_epoch(k):
    '''keras.models.load_model of the model saved after epoch k, then model.fit(initial_epoch=k) with a new
    callback; the rates applied at the compared epochs from k on.'''
    model = keras.models.load_model(os.path.join(folder, f"{{k}}.keras"))
    del schedule[:], applied[:]
    first = k
{fit}    return [applied[epoch - k] for epoch in range(k, last + 1) if epoch in compared]
"""


def schedule_save(optimizer: str, make_update: str, steps: str) -> str:
    """The first program's training loop, which saves the model after each resume point; ``trained``: its rates
    at the compared steps (``steps``, their source)."""
    return _SAVE.format(model=_MODEL.format(optimizer=optimizer, make_update=make_update), steps=steps)


def schedule_restore(header: str, optimizer: str, make_update: str) -> str:
    """The restoring source of a schedule (or ``SGD``'s own arguments): :data:`SCHEDULE_WAYS`."""
    return _RESTORE.format(header=header, model=_MODEL.format(optimizer=optimizer, make_update=make_update))


def callback_restore(header: str, definitions: str, fit: str) -> str:
    """The restoring source of a callback: ``definitions`` (the data, the recorder, the case's functions),
    then ``fit``, the training from ``first`` (= ``k``) to the last epoch, in the function's body."""
    return _CALLBACK_RESTORE.format(header=header, definitions=definitions, fit=fit)


def embeddable(source: str) -> str:
    """A case's own definitions with their docstrings in ''' quotes: a restoring source is embedded in triple
    double quotes."""
    if "'''" in source:
        raise ValueError("a source with both kinds of triple quotes cannot be embedded in a restoring source")
    return source.replace('"""', "'''")


def block_line(names: list[str]) -> str:
    """The line that starts a block of a program yielding the probes ``names`` (``# probes "a" and "b":``): each
    block runs on its own after the header, with its own warnings (:func:`adapters._base.program_blocks`)."""
    quoted = [f'"{name}"' for name in names]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
    return f"# probe{'s' if len(quoted) > 1 else ''} {listed}:"
