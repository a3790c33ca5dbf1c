// Package zoo declares the project's model zoo, trains its members and
// loads them.
//
// The zoo is one declarative list (Members): ResNets and VGGs trained on
// Fashion-MNIST (or, where a user has it, CIFAR-10) with one recipe, each
// member named by a short name such as "resnet20-w1-s1" (architecture,
// width multiplier, seed). Trained members live in the repository under
// the zoo directory (DefaultDir): one directory per member holding its
// final float32 weights (a checkpoint directory that models.Load reads)
// and, for the members that keep them, snapshots of the weights at chosen
// steps under snapshots/step-NNNNNNNN. The manifest zoo.json, written only
// by Zoo.Train, records for every finished member its spec, the sha256 of
// every file, its test accuracy and loss, its training curve, its speed and
// the code, backend and CPU it was trained with. Zoo.Current returns a
// member's entry only if that spec is the one the list declares: a member
// trained before the list changed is stale (ErrStale): the zoo's readers
// refuse it, and Train retrains it only once Zoo.Remove has removed its
// directory and manifest entry (repgeo zoo --remove).
//
// Training survives being stopped at any moment: the state of a member in
// training (weights, optimizer state, step, curve so far and the snapshots
// taken) lives under .partial/NAME in the zoo directory, is replaced
// atomically every few minutes and when training is stopped, and is
// removed once the member is finished. Resuming from it gives the same
// weights as an uninterrupted run on the same CPU path.
package zoo
