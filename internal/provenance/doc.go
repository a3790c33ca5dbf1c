// Package provenance holds no code: its tests check that the module's
// sources carry no other project's notice of authorship or licence, since the
// module holds only code written for it and uses libraries as dependencies,
// and that its scripts and docs need nothing outside the repository (the
// benchmark baselines and the fixtures' generator live in it).
package provenance
