package main

// domainCommands returns the subcommands that domain issues add (user,
// token, kb, mail, billing, backup). Each domain keeps its commands in its
// own cmd_<domain>.go file and adds one line here.
func domainCommands() map[string]command {
	return map[string]command{
		"kb import": kbImportCommand(), "kb reindex": kbReindexCommand(),
		"user add": userAddCommand(), "token create": tokenCreateCommand(),
		"mail fetch":     mailFetchCommand(),
		"billing import": billingImportCommand(),
	}
}
