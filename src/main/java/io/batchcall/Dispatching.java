package io.batchcall;

import io.batchcall.api.AgentTokens;
import io.batchcall.api.CallbackTokens;
import io.batchcall.config.Config;
import io.batchcall.dispatch.AttemptRecorder;
import io.batchcall.dispatch.CallRegistry;
import io.batchcall.dispatch.Dispatcher;
import io.batchcall.dispatch.Housekeeping;
import io.batchcall.dispatch.LeaseKeeper;
import io.batchcall.dispatch.PostCallProducer;
import io.batchcall.dispatch.StaleCallSweep;
import io.batchcall.dispatch.Wakeup;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.rules.CallingWindowRules;
import io.batchcall.rules.JollydayHolidays;
import io.batchcall.store.AttemptLifecycle;
import io.batchcall.store.AttemptStore;
import io.batchcall.store.ClaimStore;
import io.batchcall.store.Database;
import io.batchcall.store.DeliveryStore;
import io.batchcall.store.LeaseStore;
import io.batchcall.store.Notifications;
import io.batchcall.store.PostCallTranscriptions;
import io.batchcall.store.ProviderRequestBudgets;
import io.batchcall.store.WhatsAppPermissionStore;
import io.batchcall.store.WindowExpiry;
import io.batchcall.telephony.AgentAccess;
import io.batchcall.telephony.ScheduledTimers;
import io.batchcall.telephony.TelephonyProvider;
import io.batchcall.telephony.exotel.ExotelLimits;
import io.batchcall.telephony.exotel.ExotelProvider;
import io.batchcall.telephony.media.MediaPorts;
import io.batchcall.telephony.simulator.SimulatorProvider;
import io.batchcall.telephony.sip.SipTrunkProvider;
import io.batchcall.telephony.twilio.TwilioLimits;
import io.batchcall.telephony.twilio.TwilioProvider;
import io.batchcall.telephony.whatsapp.WhatsAppProvider;
import io.batchcall.webhooks.WebhookSender;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The running dispatcher's faces to HTTP: Twilio's and Exotel's callbacks, what keeps this node from being
 * ready, and the WhatsApp provider (its events() are what the WhatsApp webhook endpoint hands on).
 */
record Dispatching(
        TwilioProvider twilio,
        ExotelProvider exotel,
        CallRegistry registry,
        Supplier<List<String>> problems,
        WhatsAppProvider whatsapp) {

    /**
     * The dispatcher and what it needs: providers, the event recorder, leases, wake-ups. Started before HTTP and
     * stopped after it, in reverse order: stop claiming, drain calls, stop heartbeats, stop listening. Each
     * component is pushed on {@code running} as it starts, the order App stops them in. Returns the Twilio
     * provider, which its callback route reports to, and the dispatcher's health for /ready.
     */
    static Dispatching start(
            Deque<AutoCloseable> running,
            Config config,
            Clock clock,
            Database database,
            IdSource ids,
            PrometheusMeterRegistry meters,
            Stores stores,
            CallbackTokens callbackTokens,
            EgressPolicy egress,
            WebhookSender webhookSender,
            AgentTokens agentTokens) {
        var workspaces = stores.workspaces();
        var agents = stores.agents();
        var phoneNumbers = stores.phoneNumbers();
        var idempotency = stores.idempotency();
        var timers = new ScheduledTimers();
        running.push(timers);
        AgentAccess agentAccess =
                conversation -> new AgentAccess.Grant(agentTokens.token(conversation), agentTokens.url(conversation));
        var registry = new CallRegistry(clock);
        var wakeup = new Wakeup();
        var recorder = new AttemptRecorder(new AttemptLifecycle(database, clock, ids), registry, wakeup, meters);
        running.push(recorder);
        var twilio = new TwilioProvider(
                config.telephony().twilioApiBase(),
                TwilioLimits.defaults(),
                (provider, attempt) -> callbackTokens.statusCallback(provider.wireName(), attempt),
                agentAccess,
                recorder,
                new AttemptStore(database)::ownedByOthers,
                clock,
                egress);
        running.push(twilio);
        var budgets = new ProviderRequestBudgets(database, clock);
        var exotel = new ExotelProvider(
                config.telephony().exotelApiBase(),
                ExotelLimits.withRequestsPerMinute(config.telephony().exotelRequestsPerMinute()),
                budgets::reserve,
                (provider, attempt) -> callbackTokens.statusCallback(provider.wireName(), attempt),
                recorder,
                new AttemptStore(database)::ownedByOthers,
                clock,
                egress);
        running.push(exotel);
        // One port range for every bridged call, SIP trunk and WhatsApp alike.
        var mediaPorts = new MediaPorts(config.media());
        Gauge.builder("batchcall.media.bridges", mediaPorts, MediaPorts::bridgesOpen)
                .description("Calls whose audio this node bridges now (SIP trunk and WhatsApp)")
                .register(meters);
        var sip = SipTrunkProvider.start(
                config.sip(),
                timers,
                recorder,
                egress,
                phoneNumbers::sipTrunkAddresses,
                clock,
                agentAccess,
                mediaPorts);
        running.push(sip);
        var whatsapp = new WhatsAppProvider(
                config.whatsapp(),
                new WhatsAppPermissionStore(database),
                recorder,
                agentAccess,
                mediaPorts,
                egress,
                clock);
        running.push(whatsapp);
        Map<Provider, TelephonyProvider> providers = Map.of(
                Provider.SIMULATOR,
                        new SimulatorProvider(
                                config.simulator(), timers, recorder, new SplittableRandom(), agentAccess, egress),
                Provider.TWILIO, twilio,
                Provider.EXOTEL, exotel,
                Provider.SIP_TRUNK, sip,
                Provider.WHATSAPP, whatsapp);
        Function<PhoneNumber, Map<String, String>> credentials = number ->
                phoneNumbers.credentials(number.workspaceId(), number.id()).orElse(Map.of());
        var lease = config.dispatch().leaseTimeout();
        var notifications = new Notifications(database, clock);
        var dispatcher = new Dispatcher(
                new ClaimStore(
                        database, clock, ids, config.nodeId(), lease, new CallingWindowRules(new JollydayHolidays())),
                recorder,
                registry,
                providers,
                credentials,
                timers,
                clock,
                wakeup,
                meters);
        var leaseKeeper = new LeaseKeeper(
                new LeaseStore(database, clock, config.nodeId(), lease),
                registry,
                recorder,
                providers,
                agents,
                phoneNumbers,
                credentials,
                config.dispatch(),
                meters);
        notifications.onReconnect(dispatcher::resynchronise);
        notifications.on(Notifications.WAKE, payload -> dispatcher.wake());
        notifications.on(DeliveryStore.CHANNEL, payload -> webhookSender.wake());
        notifications.on(Notifications.CANCEL, payload -> {
            var parts = payload.split(":", 3);
            if (parts.length == 3) {
                dispatcher.batchStopped(parts[0], parts[1], parts[2].equals("deleted"));
            }
        });
        notifications.on(Notifications.CANCEL_RECIPIENT, payload -> {
            var parts = payload.split(":", 3);
            if (parts.length == 3) {
                dispatcher.recipientStopped(parts[0], parts[1], parts[2]);
            }
        });
        Gauge.builder("batchcall.calls.in.flight", registry, CallRegistry::size)
                .description("Calls this node is placing or tracking")
                .register(meters);
        running.push(notifications.start());
        running.push(leaseKeeper.start());
        running.push(new Housekeeping(
                        idempotency,
                        workspaces,
                        new WindowExpiry(database, clock, ids),
                        new io.batchcall.store.DeletedDials(database, clock),
                        meters)
                .start());
        running.push(new StaleCallSweep(registry, recorder, clock).start());
        running.push(new PostCallProducer(
                        new PostCallTranscriptions(database, clock, ids),
                        config.conversations().postCallReportWait())
                .start());
        running.push(dispatcher.start());
        running.push(webhookSender.start());
        Supplier<List<String>> problems = () -> Stream.of(
                        recorder.healthy() ? null : "the call-event writer is stopped or stuck",
                        dispatcher.healthy() ? null : "the dispatch loop is stopped or stuck")
                .filter(Objects::nonNull)
                .toList();
        return new Dispatching(twilio, exotel, registry, problems, whatsapp);
    }
}
