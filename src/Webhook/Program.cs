return await Resorcerer.Webhook.WebhookProgram.RunAsync(args);
