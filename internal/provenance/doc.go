// Package provenance holds no code: its test checks that the module's
// sources carry no other project's notice of authorship or licence, since
// the module holds only code written for it and uses libraries as
// dependencies.
package provenance
